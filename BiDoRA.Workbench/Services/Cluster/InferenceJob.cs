using System.Diagnostics;
using BiDoRA.Engine.Data;
using BiDoRA.Workbench.Services.Design;
using BiDoRA.Workbench.Services.Jobs;
using BiDoRA.Workbench.Services.Predictions;
using BiDoRA.Workbench.Services.Storage;
using Hangfire;
using Microsoft.Extensions.Options;

namespace BiDoRA.Workbench.Services.Cluster;

/// <summary>
/// The Hangfire job that runs one inference job on a worker, with the same services that run it in embedded mode (the
/// worker has no <see cref="IInferenceOffload"/>, so they work in-process, their predictor cache kept between jobs).
/// Every outcome is recorded for the web node that waits: a refusal as the same problem, field and message.
/// </summary>
internal sealed class InferenceJob(InferenceJobStore jobs, PredictionService predictions, DesignService design, WorkbenchPaths paths, WorkerIdentity worker,
    IOptions<ClusterOptions> options, ILogger<InferenceJob> logger)
{
    /// <param name="shutdown">Hangfire's: fires when this worker stops; the job then goes back to the queue for another worker.</param>
    [AutomaticRetry(Attempts = 0)]
    public async Task ExecuteAsync(string jobId, CancellationToken shutdown)
    {
        if (jobs.TryStart(jobId, worker.Name) is not { } job)
        {
            logger.LogInformation("Job {JobId} ended or was cancelled before this worker took it.", jobId);
            return;
        }
        var files = new InferenceJobFiles(paths, jobId);
        var clock = Stopwatch.StartNew();
        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(shutdown);
        using var stopWatching = new CancellationTokenSource();
        var progress = new LatestProgress();
        var watching = WatchAsync(jobId, progress, cancel, stopWatching.Token);
        try
        {
            var result = await RunAsync(job, files, progress, cancel.Token);
            files.WriteResult(result);
            jobs.Finish(jobId, InferenceJobStatus.Completed);
            logger.LogInformation("Job {JobId}: {Kind} of {Target} done in {Seconds:F1} s.", jobId, job.Kind, job.Target, clock.Elapsed.TotalSeconds);
        }
        catch (OperationCanceledException) when (shutdown.IsCancellationRequested)
        {
            // Hangfire hands the job back to the queue; the next worker starts it again.
            throw;
        }
        catch (OperationCanceledException)
        {
            jobs.Finish(jobId, InferenceJobStatus.Cancelled, error: "Cancelled.");
        }
        catch (PredictionException e)
        {
            jobs.Finish(jobId, InferenceJobStatus.Failed, e.Problem.ToString(), e.Field, e.Message);
        }
        catch (Exception e)
        {
            logger.LogError(e, "Job {JobId}: {Kind} of {Target} failed.", jobId, job.Kind, job.Target);
            jobs.Finish(jobId, InferenceJobStatus.Failed, error: $"The {job.Kind} job failed on worker {worker.Name}: {e.Message}");
        }
        finally
        {
            await stopWatching.CancelAsync();
            await watching;
        }
    }

    private async Task<object?> RunAsync(InferenceJobRecord job, InferenceJobFiles files, IProgress<double> progress, CancellationToken ct)
    {
        var target = job.Target;
        switch (job.Kind)
        {
            case InferenceJobKind.Predict:
                return await predictions.PredictAsync(target, files.ReadInput<List<SequenceInput>>(), ct);
            case InferenceJobKind.EnsemblePredict:
                var ensemble = files.ReadInput<EnsembleJobInput>();
                return await predictions.PredictEnsembleAsync(target, ensemble.Method, ensemble.Sequences, ct);
            case InferenceJobKind.ClassNames:
                return await design.ClassNamesAsync(target, ct);
            case InferenceJobKind.Scan:
                return await design.ScanAsync(target, files.ReadInput<ScanRequest>(), progress, ct);
            case InferenceJobKind.Design:
                var rounds = files.ReadInput<DesignJobInput>();
                return await design.DesignAsync(target, rounds.Request, rounds.Options, progress, ct);
            case InferenceJobKind.Attribution:
                var attribution = files.ReadInput<AttributionJobInput>();
                return await design.AttributeAsync(target, attribution.Sequence, attribution.Steps, attribution.ClassName, attribution.Baseline, ct);
            case InferenceJobKind.EmbeddingMap:
                return await design.EmbeddingMapAsync(target, files.ReadInput<EmbeddingMapJobInput>().DatasetId, progress, ct);
            case InferenceJobKind.ScoreVariants:
                var variants = files.ReadInput<VariantScoreJobInput>();
                return await design.ScoreVariantsAsync(target, variants.WildType, variants.Variants, variants.Method, progress, ct);
            default:
                throw new InvalidDataException($"Job {job.Id} has an unknown kind {job.Kind}.");
        }
    }

    /// <summary>Stores the latest progress a few times a second and turns a cancel request from the web node into cancellation.</summary>
    private async Task WatchAsync(string jobId, LatestProgress progress, CancellationTokenSource cancel, CancellationToken stop)
    {
        var every = options.Value.JobPollInterval;
        while (!stop.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(every, stop);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            try
            {
                if (jobs.Report(jobId, progress.Value) && !cancel.IsCancellationRequested)
                {
                    logger.LogInformation("Job {JobId}: cancel requested.", jobId);
                    await cancel.CancelAsync();
                }
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                logger.LogWarning("Job {JobId}: reporting progress failed ({Message}); retrying.", jobId, ex.Message);
            }
        }
    }

    /// <summary>The last fraction reported, read by the watcher (reports come from the compute thread, often).</summary>
    private sealed class LatestProgress : IProgress<double>
    {
        private double _value;

        public double Value => Volatile.Read(ref _value);

        public void Report(double value) => Volatile.Write(ref _value, Math.Clamp(value, 0, 1));
    }
}
