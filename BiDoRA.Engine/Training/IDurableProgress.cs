namespace BiDoRA.Engine.Training;

/// <summary>
/// A progress sink that stores what it is given and can wait until that is durable. The trainer waits on it before
/// it writes a checkpoint, so a checkpoint on disk is never ahead of the stored steps: a run resumed after a crash
/// continues its curves without a gap.
/// </summary>
public interface IDurableProgress<in T> : IProgress<T>
{
    /// <summary>Blocks until every value reported so far is stored.</summary>
    void WaitUntilStored(CancellationToken cancellationToken);
}
