using BiDoRA.Engine.Checkpoints;
using BiDoRA.Engine.Data;
using BiDoRA.Engine.RunFolders;
using BiDoRA.Engine.Runtime;
using Microsoft.Extensions.Logging;

namespace BiDoRA.Engine.Training;

/// <summary>
/// What fine-tuning and pretraining runs share around their loops: the event sink, the wait for stored events before a
/// checkpoint, and how a cancelled or failed run ends (one RunCancelled or RunFailed event, a message the user can act on).
/// </summary>
internal static class RunExecution
{
    /// <summary>Runs <paramref name="body"/> (given the event sink, the wait-until-stored action and a callback for the
    /// completed step count) and turns cancellation and failure into their events; <paramref name="kind"/> names it in logs.</summary>
    public static TrainingResult Run(RunPlan plan, IProgress<TrainingEvent>? progress, ILogger logger, string kind,
        Func<Action<TrainingEvent>, Action, Action<int>, TrainingResult> body, CancellationToken ct)
    {
        var emit = (TrainingEvent e) => progress?.Report(e);
        // Before a checkpoint is written: everything reported so far is stored (a no-op for plain progress sinks).
        var persist = () => (progress as IDurableProgress<TrainingEvent>)?.WaitUntilStored(CancellationToken.None);
        var step = 0;
        try
        {
            TorchRuntime.EnsureInitialised();
            Directory.CreateDirectory(plan.OutputDirectory);
            return body(emit, persist, s => step = s);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            emit(new RunCancelled(step, null));
            return new TrainingResult(RunOutcome.Cancelled, plan.OutputDirectory, new Dictionary<string, double>(), step, null);
        }
        catch (Exception e)
        {
            logger.LogError(e, "{Kind} in {Directory} failed at step {Step}", kind, plan.OutputDirectory, step);
            var message = e switch
            {
                TrainingDivergedException => Diverged(e, plan, step),
                _ when OutOfMemory.Is(e) => OutOfMemory.Describe(e, plan, DeviceName(plan)),
                ArgumentException or InvalidDataException or DatasetImportException or CheckpointFormatException => e.Message,
                _ => $"{e.GetType().Name}: {e.Message}",
            };
            emit(new RunFailed(message, step));
            return new TrainingResult(RunOutcome.Failed, plan.OutputDirectory, new Dictionary<string, double>(), step, message);
        }
    }

    /// <summary>What diverged and where, which checkpoint survives, and what to change.</summary>
    private static string Diverged(Exception e, RunPlan plan, int completedSteps)
    {
        var kept = new CheckpointStore(plan.OutputDirectory).LatestStep();
        return $"{e.Message.TrimEnd('.')} at step {completedSteps + 1}. Training stopped; "
            + (kept is { } k ? $"the last good checkpoint (step {k}) is kept. " : "no checkpoint had been saved yet. ")
            + "Start a new run with a lower learning rate (or a lower max gradient norm).";
    }

    private static string DeviceName(RunPlan plan)
    {
        try
        {
            return DeviceSelector.Resolve(plan.Device).ToString();
        }
        catch (Exception)
        {
            return plan.Device;
        }
    }
}
