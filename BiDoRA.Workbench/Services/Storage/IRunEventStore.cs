using BiDoRA.Workbench.Services.Events;

namespace BiDoRA.Workbench.Services.Storage;

/// <summary>
/// Every training event of every run, keyed by (run, sequence). Appending an event whose key is stored already keeps
/// the stored one, so a write retried after a lost acknowledgement stores nothing twice.
/// </summary>
internal interface IRunEventStore
{
    void Append(IReadOnlyCollection<RunEventEnvelope> batch);

    /// <summary>Events with <paramref name="afterSequence"/> &lt; sequence ≤ <paramref name="upToSequence"/>, in order.</summary>
    IReadOnlyList<RunEventEnvelope> Read(string runId, long afterSequence, long upToSequence = long.MaxValue, int limit = int.MaxValue);

    long LastSequence(string runId);

    int Count(string runId);
}
