using BiDoRA.Engine.Training;
using BiDoRA.Workbench.Services.Events;
using BiDoRA.Workbench.Services.Runs;

namespace BiDoRA.Workbench.Tests.Runs;

/// <summary>
/// Regression: after kill -9 and Resume, the steps between the last checkpoint and the crash were stored twice (a
/// 400-step BiDoRA run ended with 402 step events). Here the process dies after every single stored event in turn.
/// </summary>
public sealed class ResumeReplayTests
{
    private const int Steps = 23;
    private const int EvalEvery = 5;
    private const int CheckpointEvery = 4;

    [Fact]
    public void Resumed_after_a_crash_at_any_event_the_stored_stream_is_the_uninterrupted_one_without_gap_or_duplicate()
    {
        var uninterrupted = Attempt(fromCheckpoint: null).ToList();
        for (var cut = 1; cut < uninterrupted.Count; cut++)
        {
            foreach (var checkpoint in CheckpointsOnDisk(uninterrupted, cut))
            {
                var stored = Number(uninterrupted.Take(cut)).ToList();
                var replay = ResumeReplay.After(stored, checkpoint is { } c ? (c, $"step-{c}") : null);
                if (replay.UnrecordedCheckpoint is { } unrecorded) stored = Number(stored.Select(e => e.Event).Append(unrecorded)).ToList();
                var kept = Attempt(checkpoint).Where(e => !replay.IsReplayed(e)).ToList();
                Assert.Equal(0, replay.Remaining);

                var all = stored.Select(e => e.Event).Concat(kept).ToList();
                var label = $"crash after event {cut}, resumed from {checkpoint?.ToString() ?? "nothing"}";
                Assert.True(Describe(uninterrupted.Where(e => e is not RunStarted)).SequenceEqual(Describe(all.Where(e => e is not RunStarted))), label);
                Assert.Equal(Enumerable.Range(1, Steps), all.OfType<StepCompleted>().Select(s => s.Step));
            }
        }
    }

    [Fact]
    public void A_run_that_starts_over_for_want_of_a_checkpoint_stores_only_the_steps_it_had_not_reached()
    {
        var stored = Number(Attempt(null).Take(8)).ToList();
        var replay = ResumeReplay.After(stored, checkpoint: null);
        var kept = Attempt(null).Where(e => !replay.IsReplayed(e)).ToList();
        var steps = stored.Select(e => e.Event).Concat(kept).OfType<StepCompleted>().Select(s => s.Step);
        Assert.Equal(Enumerable.Range(1, Steps), steps);
    }

    [Fact]
    public void A_resume_cancelled_while_it_replayed_leaves_the_steps_it_had_not_reached_again_to_the_next_one()
    {
        // The first attempt dies after step 10 (checkpoint 8); the second resumes from 8 and is cancelled after
        // replaying step 9, writing its cancel checkpoint at 9; the third resumes from 9.
        var first = Attempt(null).TakeWhile(e => ResumeReplay.StepOf(e) is not > 10).ToList();
        var stored = first.ToList();
        var second = ResumeReplay.After(Number(stored).ToList(), (8, "step-8"));
        stored.AddRange(Attempt(8).TakeWhile(e => ResumeReplay.StepOf(e) is not > 9).Where(e => !second.IsReplayed(e)));
        stored.AddRange([new CheckpointSaved(9, "step-9"), new RunCancelled(9, "step-9")]);

        var third = ResumeReplay.After(Number(stored).ToList(), (9, "step-9"));
        var all = stored.Concat(Attempt(9).Where(e => !third.IsReplayed(e))).ToList();

        Assert.Equal(0, third.Remaining);
        Assert.Equal(Enumerable.Range(1, Steps), all.OfType<StepCompleted>().Select(s => s.Step));
        Assert.Equal([5, 10, 15, 20, Steps], all.OfType<Evaluated>().Select(e => e.Step));
    }

    [Fact]
    public void Attempt_level_events_always_pass()
    {
        var stored = Number(Attempt(null).Take(10)).ToList();
        var replay = ResumeReplay.After(stored, checkpoint: null);
        Assert.False(replay.IsReplayed(new RunStarted(Steps, [], 1, "cpu", 1, 1, 1)));
        Assert.False(replay.IsReplayed(new RunCancelled(3, null)));
        Assert.False(replay.IsReplayed(new RunFailed("x", 3)));
        Assert.True(replay.IsReplayed(new StepCompleted(TrainingPhase.Train, 1, Steps, 1, null, null, 1e-3, null, 1, TimeSpan.Zero)));
    }

    /// <summary>The engine's order: per step StepCompleted, at evaluations Evaluated and magnitudes, at checkpoints CheckpointSaved; at the end the final magnitudes and RunCompleted.</summary>
    private static IEnumerable<TrainingEvent> Attempt(int? fromCheckpoint)
    {
        yield return new RunStarted(Steps, [], 1, "cpu", 1, 1, 1);
        for (var step = (fromCheckpoint ?? 0) + 1; step <= Steps; step++)
        {
            yield return new StepCompleted(TrainingPhase.Search, step, Steps, 1.0 / step, 2.0 / step, null, 1e-3, 1e-4, 100, TimeSpan.Zero);
            var last = step == Steps;
            if (step % EvalEvery == 0 || last)
            {
                yield return new Evaluated(step, "validation", new Dictionary<string, double> { ["mcc"] = step / 100.0 }, []);
                yield return new MagnitudesSnapshot(step, [new MagnitudeStats("q", step, 0, 0, 0, 0)]);
            }
            if (step % CheckpointEvery == 0 || last) yield return new CheckpointSaved(step, $"step-{step}");
        }
        yield return new MagnitudesSnapshot(Steps, [new MagnitudeStats("q", -1, 0, 0, 0, 0)]);
        yield return new RunCompleted(new Dictionary<string, double>(), "out", TimeSpan.Zero);
    }

    /// <summary>
    /// The newest checkpoint a crash after <paramref name="cut"/> stored events can leave: the last one whose event was
    /// stored, or, when the cut falls right before a CheckpointSaved, also that one (written, its event still in memory).
    /// </summary>
    private static IEnumerable<int?> CheckpointsOnDisk(IReadOnlyList<TrainingEvent> stream, int cut)
    {
        var stored = stream.Take(cut).OfType<CheckpointSaved>().LastOrDefault();
        yield return stored?.Step;
        if (stream[cut] is CheckpointSaved pending) yield return pending.Step;
    }

    [Fact]
    public void A_checkpoint_written_while_its_event_was_in_memory_is_reported_once_before_the_attempt()
    {
        var stored = Number(Attempt(null).TakeWhile(e => e is not CheckpointSaved)).ToList();
        var replay = ResumeReplay.After(stored, (CheckpointEvery, "step-4"));
        Assert.Equal((CheckpointEvery, "step-4"), (replay.UnrecordedCheckpoint!.Step, replay.UnrecordedCheckpoint.Path));
        Assert.Equal(0, replay.Remaining);
        Assert.Null(ResumeReplay.After(Number(Attempt(null).Take(7)).ToList(), (CheckpointEvery, "step-4")).UnrecordedCheckpoint);
    }

    private static IEnumerable<RunEventEnvelope> Number(IEnumerable<TrainingEvent> events) =>
        events.Select((e, i) => new RunEventEnvelope("run", i + 1, e));

    private static IEnumerable<string> Describe(IEnumerable<TrainingEvent> events) =>
        events.Select(e => e switch
        {
            StepCompleted s => $"step {s.Step}",
            Evaluated v => $"eval {v.Step}",
            MagnitudesSnapshot m => $"magnitudes {m.Step} {m.Layers[0].Mean}",
            CheckpointSaved c => $"checkpoint {c.Step}",
            _ => e.GetType().Name,
        });
}
