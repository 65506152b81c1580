using BiDoRA.Workbench.Services.Runs;

namespace BiDoRA.Workbench.Services.Events;

/// <summary>
/// Carries what one process stored to the others (cluster mode: Redis pub/sub). Events go out only after they are
/// stored, so a node that missed a message finds everything in the store by sequence number. Never blocks, never
/// throws: a bus that is down only makes other nodes later.
/// </summary>
internal interface IRunEventBus
{
    void EventsStored(IReadOnlyList<RunEventEnvelope> stored);

    void StatusChanged(RunRecord run);
}
