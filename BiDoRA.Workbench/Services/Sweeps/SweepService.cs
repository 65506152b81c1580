using BiDoRA.Engine.Adapters;
using BiDoRA.Engine.Training;
using BiDoRA.Workbench.Services.Runs;
using BiDoRA.Workbench.Services.Storage;

namespace BiDoRA.Workbench.Services.Sweeps;

/// <summary>
/// Sweeps as first-class objects: one request queues a run per method and seed through the same factory and queue
/// as single runs, so every run of a sweep is an ordinary run (listed, cancelled, resumed and compared like any other).
/// </summary>
internal sealed class SweepService(ISweepStore sweeps, IRunStore runs, IDatasetStore datasets, RunFactory factory, IRunQueue queue, ILogger<SweepService> logger)
{
    /// <summary>Seeds 1 … 5 when the request names none (a common minimum for a paired test).</summary>
    public const int DefaultSeedCount = 5;

    /// <summary>Field name (as in JSON; shared settings as settings.x) → messages; empty when the request is valid.</summary>
    public Dictionary<string, string[]> Validate(NewSweepRequest request)
    {
        var errors = new Dictionary<string, List<string>>();
        void Fail(string field, string message)
        {
            if (!errors.TryGetValue(field, out var list)) errors[field] = list = [];
            list.Add(message);
        }

        if (request.Name is { Length: > 200 }) Fail("name", "must be at most 200 characters.");
        var methods = new List<AdapterMethod>();
        if (request.Methods is null || request.Methods.Count == 0)
        {
            Fail("methods", "name at least one method (full, lora, dora, bidora).");
        }
        else
        {
            foreach (var name in request.Methods)
            {
                if (ParseMethod(name) is { } method) methods.Add(method);
                else Fail("methods", $"'{name}' is not one of full, lora, dora, bidora.");
            }
        }
        if (request.Seeds is not null && request.SeedCount is not null) Fail("seedCount", "give seeds or seedCount, not both.");
        if (request.SeedCount is < 1) Fail("seedCount", "must be at least 1.");
        var seeds = Seeds(request);
        if (request.ClusterIdentity is not null && request.Folds is null) Fail("clusterIdentity", "only applies with folds.");
        else if (request.ClusterIdentity is { } identity && identity is <= 0 or > 1) Fail("clusterIdentity", "must be in (0, 1], e.g. 0.4.");
        else if (request.ClusterIdentity is not null && !Engine.Data.SequenceClustering.IsAvailable) Fail("clusterIdentity", Engine.Data.SequenceClustering.InstallHint);
        foreach (var (field, messages) in SweepPlan.Validate(methods, seeds, request.Folds))
        {
            if (field == "methods" && errors.ContainsKey("methods")) continue;
            var target = field == "seeds" && request.Seeds is null ? "seedCount" : field;
            foreach (var message in messages) Fail(target, message);
        }

        var settings = request.Settings ?? new NewRunRequest();
        if (settings.DatasetId is not null) Fail("settings.datasetId", "give datasetId at the top level of the sweep.");
        if (settings.Method is not null) Fail("settings.method", "is set per run from methods; leave it out.");
        if (settings.Seed is not null) Fail("settings.seed", "is set per run from seeds; leave it out.");
        if (settings.Name is not null) Fail("settings.name", "runs are named after the sweep; leave it out.");
        var run = settings with { DatasetId = request.DatasetId, Method = null, Seed = null, Name = null };
        foreach (var (field, messages) in factory.Validate(run))
        {
            foreach (var message in messages) Fail(field == "datasetId" ? field : "settings." + field, message);
        }
        return errors.ToDictionary(e => e.Key, e => e.Value.ToArray());
    }

    /// <summary>Creates and queues the runs of a request that <see cref="Validate"/> accepted, seed by seed.</summary>
    public SweepRecord Create(NewSweepRequest request)
    {
        var methods = request.Methods!.Select(m => ParseMethod(m)!.Value).ToList();
        var seeds = Seeds(request);
        var settings = request.Settings ?? new NewRunRequest();
        var id = RecordId.New();
        var drafts = new List<(RunRecord Run, SweepRunEntry Entry)>();
        var folds = request.Folds is { } k ? Enumerable.Range(1, k).Select(f => (int?)f).ToList() : [null];
        foreach (var seed in seeds)
        {
            foreach (var fold in folds)
            {
                foreach (var method in methods)
                {
                    var methodName = method.ToString().ToLowerInvariant();
                    var draft = factory.Create(settings with { DatasetId = request.DatasetId, Method = methodName, Seed = seed, Name = null });
                    if (fold is not null) draft = draft with { Plan = draft.Plan with { Folds = request.Folds, Fold = fold, ClusterIdentity = request.ClusterIdentity } };
                    drafts.Add((draft, new SweepRunEntry(draft.Id, methodName, seed, fold)));
                }
            }
        }
        var datasetName = datasets.Get(request.DatasetId!)?.Name ?? request.DatasetId;
        var name = string.IsNullOrWhiteSpace(request.Name) ? $"{string.Join(" vs ", methods.Select(m => m.ToString().ToLowerInvariant()))} · {datasetName}" : request.Name.Trim();
        var sweep = sweeps.Insert(new SweepRecord
        {
            Id = id,
            Name = name,
            DatasetId = request.DatasetId,
            Methods = methods.Select(m => m.ToString().ToLowerInvariant()).ToList(),
            Seeds = seeds.ToList(),
            Folds = request.Folds,
            ClusterIdentity = request.ClusterIdentity,
            Settings = settings,
            Runs = drafts.Select(d => d.Entry).ToList(),
            CreatedAt = DateTimeOffset.UtcNow,
        });
        foreach (var (draft, entry) in drafts)
        {
            queue.Enqueue(draft with { Name = $"{name} · {entry.Method} · seed {entry.Seed}{(entry.Fold is { } f ? $" · fold {f}" : "")}" });
        }
        logger.LogInformation("Sweep {SweepId} queued {Count} runs", id, drafts.Count);
        return sweep;
    }

    public IReadOnlyList<SweepDetails> List() => sweeps.List().Select(Details).ToList();

    public SweepDetails? Get(string id) => sweeps.Get(id) is { } sweep ? Details(sweep) : null;

    public SweepRecord? Find(string id) => sweeps.Get(id);

    /// <summary>Cancels every queued or running run of the sweep; finished runs stay as they are. Null when there is no such sweep.</summary>
    public SweepDetails? Cancel(string id)
    {
        var sweep = sweeps.Get(id);
        if (sweep is null) return null;
        foreach (var entry in sweep.Runs)
        {
            if (runs.Get(entry.RunId) is { Status: RunStatus.Queued or RunStatus.Running }) queue.Cancel(entry.RunId);
        }
        return Details(sweep);
    }

    private SweepDetails Details(SweepRecord sweep)
    {
        var states = sweep.Runs.Select(entry =>
        {
            var run = runs.Get(entry.RunId);
            return new SweepRunState(entry.RunId, entry.Method, entry.Seed, run?.Name, run?.Status, run?.Progress, run?.FinalMetrics,
                run is null ? "The run record no longer exists." : run.Error, entry.Fold);
        }).ToList();
        var statuses = states.Where(s => s.Status is not null).Select(s => s.Status!.Value).ToList();
        var counts = statuses.GroupBy(s => s).OrderBy(g => g.Key).ToDictionary(g => g.Key, g => g.Count());
        SweepStatus status;
        if (statuses.Count == states.Count && statuses.All(s => s == RunStatus.Completed)) status = SweepStatus.Completed;
        else if (statuses.All(s => s == RunStatus.Queued) && statuses.Count == states.Count) status = SweepStatus.Queued;
        else if (statuses.Any(s => s is RunStatus.Queued or RunStatus.Running)) status = SweepStatus.Running;
        else status = SweepStatus.Incomplete;
        return new SweepDetails(sweep.Id, sweep.Name, sweep.DatasetId, sweep.Methods, sweep.Seeds, sweep.Settings, sweep.CreatedAt, status, counts, states, sweep.Folds, sweep.ClusterIdentity);
    }

    private static IReadOnlyList<int> Seeds(NewSweepRequest request) =>
        request.Seeds ?? SweepPlan.FirstSeeds(Math.Max(0, Math.Min(request.SeedCount ?? DefaultSeedCount, SweepPlan.MaxRuns + 1)));

    private static AdapterMethod? ParseMethod(string? name) =>
        name is not null && Enum.GetNames<AdapterMethod>().FirstOrDefault(n => n.Equals(name.Trim(), StringComparison.OrdinalIgnoreCase)) is { } match
            ? Enum.Parse<AdapterMethod>(match)
            : null;
}
