namespace BiDoRA.Workbench.Services.Jobs;

/// <summary>
/// Where work that loads a model runs. A cluster's web node has one: the work goes to a worker as a job, its input and
/// result in the shared folder, so the web node only enqueues and waits. Embedded mode and the workers themselves have
/// none registered and run the same work in-process.
/// </summary>
internal interface IInferenceOffload
{
    /// <summary>Typed or pasted predictions of at least this many sequences go to a worker; a file's always do.</summary>
    int PredictFrom { get; }

    /// <summary>Runs one job on a worker and returns its result, reporting its progress (0 … 1) as the worker does.</summary>
    /// <exception cref="Predictions.PredictionException">The job failed on the worker as the same call fails in-process (same problem, field and message).</exception>
    /// <exception cref="OperationCanceledException">Cancelled here (the worker is told to stop) or there.</exception>
    Task<TResult> RunAsync<TInput, TResult>(InferenceJobKind kind, string target, TInput input, IProgress<double>? progress, CancellationToken cancellationToken);
}
