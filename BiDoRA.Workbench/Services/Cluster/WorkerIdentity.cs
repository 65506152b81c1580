namespace BiDoRA.Workbench.Services.Cluster;

/// <summary>Who this worker is (<c>bidora worker --name --device --queues</c>): shown on the run page and in Hangfire's dashboard.</summary>
internal sealed record WorkerIdentity(string Name, string Device, IReadOnlyList<string> Queues);
