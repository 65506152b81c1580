namespace BiDoRA.Workbench.Services.Datasets;

/// <summary>Where a dataset's leakage audit stands.</summary>
public enum LeakageAuditStatus
{
    /// <summary>MMseqs2 is searching (or the audit waits for its turn).</summary>
    Running,

    Completed,

    /// <summary>MMseqs2 is not installed (or the configured path is missing): the split is unaudited.</summary>
    Unavailable,

    /// <summary>MMseqs2 failed; the message says how.</summary>
    Failed,

    /// <summary>The user stopped it; the split is unaudited until it runs again.</summary>
    Cancelled,
}
