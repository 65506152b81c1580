using BiDoRA.Workbench.Services.Runs;

namespace BiDoRA.Workbench.Services.Storage;

/// <summary>Run records (LiteDB embedded, PostgreSQL in cluster mode). Queue positions are computed when read.</summary>
internal interface IRunStore
{
    RunRecord Insert(RunRecord run);

    RunRecord? Get(string id);

    /// <summary>Newest first.</summary>
    IReadOnlyList<RunRecord> List();

    /// <summary>In queue-ticket order.</summary>
    IReadOnlyList<RunRecord> ListByStatus(RunStatus status);

    /// <summary>Applies <paramref name="change"/> atomically (across processes in cluster mode); null when the run does not exist.</summary>
    RunRecord? Update(string id, Func<RunRecord, RunRecord> change);

    /// <summary>The queued run with the lowest ticket.</summary>
    RunRecord? NextQueued();

    /// <summary>A ticket after every ticket handed out so far.</summary>
    long NextTicket();
}
