using BiDoRA.Workbench.Services.Jobs;
using BiDoRA.Workbench.Services.Predictions;
using BiDoRA.Workbench.Services.Storage;
using Hangfire;
using Hangfire.Common;
using Hangfire.States;
using Microsoft.Extensions.Options;

namespace BiDoRA.Workbench.Services.Cluster;

/// <summary>
/// A cluster web node's inference: the input goes to the shared folder, a record to PostgreSQL and an
/// <see cref="InferenceJob"/> to the queue a live worker serves; the web node then watches the record for progress
/// and reads the worker's result file. No model is loaded here.
/// </summary>
internal sealed class HangfireInference(InferenceJobStore jobs, LiveQueues queues, IBackgroundJobClient client, WorkbenchPaths paths,
    IOptions<ClusterOptions> options, ILogger<HangfireInference> logger) : IInferenceOffload
{
    /// <summary>How often a queued job's web node checks that some live worker serves its queue.</summary>
    private static readonly TimeSpan WorkerCheckEvery = TimeSpan.FromSeconds(5);

    public int PredictFrom => Math.Max(1, options.Value.PredictOnWorkerFrom);

    public async Task<TResult> RunAsync<TInput, TResult>(InferenceJobKind kind, string target, TInput input, IProgress<double>? progress, CancellationToken cancellationToken)
    {
        var id = RecordId.New();
        var files = new InferenceJobFiles(paths, id);
        try
        {
            files.WriteInput(input);
            var queue = queues.Default();
            jobs.Insert(new InferenceJobRecord(id, kind, target, queue, InferenceJobStatus.Queued, 0, null, null, null, null, false, DateTimeOffset.UtcNow, null, null));
            var hangfireId = client.Create(Job.FromExpression<InferenceJob>(j => j.ExecuteAsync(id, CancellationToken.None)), new EnqueuedState(queue));
            logger.LogInformation("{Kind} of {Target} queued on {Queue} as job {JobId} (Hangfire {HangfireId}).", kind, target, queue, id, hangfireId);
            return await WaitAsync<TResult>(id, files, progress, cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            try
            {
                jobs.RequestCancel(id);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                logger.LogWarning("Job {JobId}: the cancel request did not reach the database ({Message}).", id, ex.Message);
            }
            throw;
        }
        finally
        {
            files.Delete();
        }
    }

    private async Task<TResult> WaitAsync<TResult>(string id, InferenceJobFiles files, IProgress<double>? progress, CancellationToken cancellationToken)
    {
        var reported = -1.0;
        var nextWorkerCheck = DateTime.UtcNow + WorkerCheckEvery;
        while (true)
        {
            var job = jobs.Get(id) ?? throw new InvalidOperationException($"The record of job {id} is gone.");
            if (job.Status == InferenceJobStatus.Queued && DateTime.UtcNow >= nextWorkerCheck)
            {
                // Waiting behind a busy worker is fine; waiting for none at all would never end.
                if (!queues.Served(job.Queue))
                {
                    jobs.RequestCancel(id);
                    throw new PredictionException(PredictionProblem.RunNotReady, "id",
                        $"No live worker serves the '{job.Queue}' queue, so nothing can compute this; start one (bidora worker --queues {job.Queue}) and try again.");
                }
                nextWorkerCheck = DateTime.UtcNow + WorkerCheckEvery;
            }
            if (progress is not null && job.Progress > reported)
            {
                progress.Report(job.Progress);
                reported = job.Progress;
            }
            switch (job.Status)
            {
                case InferenceJobStatus.Completed:
                    return files.ReadResult<TResult>();
                case InferenceJobStatus.Failed:
                    throw new PredictionException(Enum.TryParse<PredictionProblem>(job.Problem, out var problem) ? problem : PredictionProblem.RunNotReady,
                        job.Field ?? "id", job.Error ?? $"Job {id} failed on {job.Worker}.");
                case InferenceJobStatus.Cancelled:
                    throw new OperationCanceledException($"Job {id} was cancelled.");
            }
            await Task.Delay(options.Value.JobPollInterval, cancellationToken);
        }
    }
}
