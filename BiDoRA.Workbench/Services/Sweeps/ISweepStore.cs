namespace BiDoRA.Workbench.Services.Sweeps;

/// <summary>Sweep records (LiteDB embedded, PostgreSQL in cluster mode).</summary>
internal interface ISweepStore
{
    SweepRecord Insert(SweepRecord sweep);

    SweepRecord? Get(string id);

    /// <summary>Newest first.</summary>
    IReadOnlyList<SweepRecord> List();
}
