using BiDoRA.Engine.Training;
using BiDoRA.Workbench.Services.Events;

namespace BiDoRA.Workbench.Services.Runs;

/// <summary>
/// A resumed attempt trains again from its checkpoint, so it reports again every step the previous attempt got
/// through after that checkpoint before it died (kill -9, a lost worker). Those events are already stored, and the
/// engine replays them in the same order (same plan, same restored state), so the first N step-bearing events of the
/// new attempt are exactly the N step-bearing events stored after the checkpoint, and are dropped. Counting instead
/// of comparing step numbers keeps it exact at every crash point, including the final magnitudes that share the last
/// step with its evaluation. Attempt-level events (RunStarted, RunCancelled, RunFailed, RunCompleted) always pass.
/// </summary>
internal sealed class ResumeReplay
{
    private int _remaining;

    private ResumeReplay(int remaining, CheckpointSaved? unrecorded)
    {
        _remaining = remaining;
        UnrecordedCheckpoint = unrecorded;
    }

    public static ResumeReplay None { get; } = new(0, null);

    /// <summary>
    /// The checkpoint the attempt resumes from when the process died after writing it but before its event was
    /// stored; publish it before the attempt starts, where it belongs in the stream (nothing after it was stored).
    /// </summary>
    public CheckpointSaved? UnrecordedCheckpoint { get; }

    /// <summary>How many of the already stored events the new attempt will report again.</summary>
    public int Remaining => Volatile.Read(ref _remaining);

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
        var replayed = 0;
        for (var i = anchor + 1; i < stored.Count; i++)
        {
            if (StepOf(stored[i].Event) is not null) replayed++;
        }
        return new ResumeReplay(replayed, unrecorded);
    }

    private static DateTimeOffset SavedAt(string path) =>
        Directory.Exists(path) ? new DateTimeOffset(Directory.GetLastWriteTimeUtc(path), TimeSpan.Zero) : DateTimeOffset.UtcNow;

    /// <summary>True when <paramref name="trainingEvent"/> is one the store already holds from the previous attempt.</summary>
    public bool IsReplayed(TrainingEvent trainingEvent)
    {
        if (StepOf(trainingEvent) is null || Volatile.Read(ref _remaining) == 0) return false;
        return Interlocked.Decrement(ref _remaining) >= 0;
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
