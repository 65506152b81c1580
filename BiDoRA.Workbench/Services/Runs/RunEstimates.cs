using BiDoRA.Engine.Checkpoints;
using BiDoRA.Engine.Data;
using BiDoRA.Engine.Esm;
using BiDoRA.Engine.Training;
using BiDoRA.Workbench.Services.Storage;

namespace BiDoRA.Workbench.Services.Runs;

/// <summary>What a new run would train and roughly how long a step takes, for the New run form (before anything is created).</summary>
internal sealed class RunEstimates(RunFactory factory, IDatasetStore datasets)
{
    /// <summary>The estimate for a request that <see cref="RunFactory.Validate"/> accepted.</summary>
    /// <exception cref="ArgumentException">A target module matches no layer, or the dataset is gone (the message says which).</exception>
    /// <exception cref="InvalidDataException">An imported model's config.json cannot be read.</exception>
    public PlanEstimate Estimate(NewRunRequest request)
    {
        var plan = factory.Preview(request);
        var dataset = datasets.Get(request.DatasetId!) ?? throw new ArgumentException($"No dataset has the id '{request.DatasetId}'.", nameof(request));
        var config = ModelCatalog.Find(plan.Model)?.Config ?? EsmConfig.FromFile(Path.Combine(plan.Model, "config.json"));
        var outputs = dataset.Task == TaskKind.Regression ? 1 : Math.Max(2, dataset.ClassCounts?.Count ?? 2);
        return PlanEstimator.Estimate(config, plan, outputs, dataset.MeanLength);
    }
}
