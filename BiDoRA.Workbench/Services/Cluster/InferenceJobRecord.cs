using BiDoRA.Workbench.Services.Jobs;

namespace BiDoRA.Workbench.Services.Cluster;

/// <summary>
/// One inference job of a cluster, as the web node that waits for it and the worker that runs it share it in
/// PostgreSQL. Input and result are files in the shared folder (<see cref="InferenceJobFiles"/>), not columns.
/// </summary>
/// <param name="Worker">The worker that took it (as on the run page); null while queued.</param>
/// <param name="Problem">Failed: the <see cref="Predictions.PredictionProblem"/> the same call raises in-process, when it was one.</param>
/// <param name="Field">Failed: the request field at fault.</param>
internal sealed record InferenceJobRecord(
    string Id,
    InferenceJobKind Kind,
    string Target,
    string Queue,
    InferenceJobStatus Status,
    double Progress,
    string? Worker,
    string? Problem,
    string? Field,
    string? Error,
    bool CancelRequested,
    DateTimeOffset CreatedAt,
    DateTimeOffset? StartedAt,
    DateTimeOffset? EndedAt)
{
    public bool IsFinal => Status is InferenceJobStatus.Completed or InferenceJobStatus.Failed or InferenceJobStatus.Cancelled;
}
