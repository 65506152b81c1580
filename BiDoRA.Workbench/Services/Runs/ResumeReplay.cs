using BiDoRA.Engine.Training;
using BiDoRA.Workbench.Services.Events;

namespace BiDoRA.Workbench.Services.Runs;

/// <summary>
/// A resumed attempt trains again from its checkpoint, so it reports again every step the previous attempt got
/// through after that checkpoint before it died (kill -9, a lost worker). Those events are already stored, and the
/// engine replays them in the same order (same plan, same restored state), so the new attempt's step-bearing events
/// are matched, by kind and step and in order, against those stored after the checkpoint, and dropped while they
/// match. Matching in order keeps it exact at every crash point, including the final magnitudes that share the last
/// step with its evaluation. A stored checkpoint the new attempt does not write again (one written when an earlier
/// attempt was cancelled or stopped, passed over when the resume falls back past it to an older checkpoint because
/// it was damaged) is skipped. Attempt-level events (RunStarted, RunCancelled, RunFailed, RunCompleted) always pass.
/// </summary>
internal sealed class ResumeReplay
{
    private readonly Queue<(Type Kind, int Step)> _expected;
    private readonly Lock _gate = new();

    private ResumeReplay(Queue<(Type Kind, int Step)> expected, CheckpointSaved? unrecorded)
    {
        _expected = expected;
        UnrecordedCheckpoint = unrecorded;
    }

    public static ResumeReplay None => new(new Queue<(Type, int)>(), null);

    /// <summary>
    /// The checkpoint the attempt resumes from when the process died after writing it but before its event was
    /// stored; publish it before the attempt starts, where it belongs in the stream (nothing after it was stored).
    /// </summary>
    public CheckpointSaved? UnrecordedCheckpoint { get; }

    /// <summary>How many of the already stored events the new attempt will report again.</summary>
    public int Remaining
    {
        get
        {
            lock (_gate) return _expected.Count;
        }
    }

    /// <param name="stored">The run's stored events, in sequence order.</param>
    /// <param name="checkpoint">The checkpoint the attempt resumes from; null when it starts over.</param>
    public static ResumeReplay After(IReadOnlyList<RunEventEnvelope> stored, (int Step, string Path)? checkpoint)
    {
        var anchor = -1;
        CheckpointSaved? unrecorded = null;
        if (checkpoint is { } resumed)
        {
            // The checkpoint's own event when it was stored; else it was written while its event was still in memory,
            // and everything up to that step was stored before (the trainer waits for the store before a checkpoint).
            anchor = LastIndex(stored, e => e is CheckpointSaved c && c.Step == resumed.Step);
            if (anchor < 0)
            {
                anchor = LastIndex(stored, e => StepOf(e) is { } s && s <= resumed.Step);
                unrecorded = new CheckpointSaved(resumed.Step, resumed.Path) { Time = SavedAt(resumed.Path) };
            }
        }
        // Steps past the checkpoint stored before its event come from an earlier attempt that got further than the one
        // that wrote this checkpoint (a resumed attempt cancelled while it was still replaying): the new attempt
        // reports them again as well.
        var expected = new Queue<(Type, int)>();
        for (var i = 0; i < stored.Count; i++)
        {
            if (StepOf(stored[i].Event) is { } step && (i > anchor || step > checkpoint?.Step)) expected.Enqueue((stored[i].Event.GetType(), step));
        }
        return new ResumeReplay(expected, unrecorded);
    }

    private static DateTimeOffset SavedAt(string path) =>
        Directory.Exists(path) ? new DateTimeOffset(Directory.GetLastWriteTimeUtc(path), TimeSpan.Zero) : DateTimeOffset.UtcNow;

    /// <summary>True when <paramref name="trainingEvent"/> is one the store already holds from the previous attempt.</summary>
    public bool IsReplayed(TrainingEvent trainingEvent)
    {
        if (StepOf(trainingEvent) is not { } step) return false;
        lock (_gate)
        {
            while (_expected.TryPeek(out var next))
            {
                if (next.Kind == trainingEvent.GetType() && next.Step == step)
                {
                    _expected.Dequeue();
                    return true;
                }
                if (next.Kind != typeof(CheckpointSaved))
                {
                    // The attempt went another way than the stored one (it was cancelled mid-replay): what it reports from here on is new.
                    _expected.Clear();
                    return false;
                }
                // A checkpoint an earlier attempt wrote off the schedule, which this one does not write again.
                _expected.Dequeue();
            }
            return false;
        }
    }

    /// <summary>The step an event belongs to; null for events of the attempt as a whole.</summary>
    internal static int? StepOf(TrainingEvent e) => e switch
    {
        StepCompleted s => s.Step,
        Evaluated v => v.Step,
        MagnitudesSnapshot m => m.Step,
        CheckpointSaved c => c.Step,
        _ => null,
    };

    private static int LastIndex(IReadOnlyList<RunEventEnvelope> events, Func<TrainingEvent, bool> match)
    {
        for (var i = events.Count - 1; i >= 0; i--)
        {
            if (match(events[i].Event)) return i;
        }
        return -1;
    }
}
