namespace BiDoRA.Workbench.Services.Cluster;

/// <summary>Where an inference job stands; Completed, Failed and Cancelled are final.</summary>
internal enum InferenceJobStatus
{
    Queued,
    Running,
    Completed,
    Failed,
    Cancelled,
}
