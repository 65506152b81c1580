using BiDoRA.Engine.Adapters;
using BiDoRA.Engine.Training;
using BiDoRA.Workbench.Services.Runs;
using BiDoRA.Workbench.Services.Sweeps;

namespace BiDoRA.Workbench.Components.Sweeps;

/// <summary>How sweeps and the methods they compare read on the pages.</summary>
internal static class SweepDisplay
{
    /// <summary>"bidora" → "BiDoRA"; an unknown group stays as it is.</summary>
    public static string Method(string group) =>
        Enum.GetNames<AdapterMethod>().FirstOrDefault(n => n.Equals(group, StringComparison.OrdinalIgnoreCase)) is { } name
            ? Display.Method(Enum.Parse<AdapterMethod>(name))
            : group;

    /// <summary>"1–5" for consecutive seeds, else the list.</summary>
    public static string Seeds(IReadOnlyList<int> seeds)
    {
        if (seeds.Count == 0) return "–";
        var consecutive = seeds.Count > 2 && seeds.Zip(seeds.Skip(1)).All(p => p.Second == p.First + 1);
        return consecutive ? $"{seeds[0]}–{seeds[^1]}" : string.Join(", ", seeds);
    }

    /// <summary>Runs that will not change any more (completed, failed, cancelled, interrupted or gone).</summary>
    public static int Finished(SweepDetails sweep) => sweep.Runs.Count(r => r.Status is not (RunStatus.Queued or RunStatus.Running));

    public static string CountsText(SweepDetails sweep) =>
        $"{sweep.Counts.GetValueOrDefault(RunStatus.Completed)} of {sweep.Runs.Count} completed"
        + string.Concat(sweep.Counts.Where(c => c.Key != RunStatus.Completed).Select(c => $" · {c.Value} {c.Key.ToString().ToLowerInvariant()}"));
}
