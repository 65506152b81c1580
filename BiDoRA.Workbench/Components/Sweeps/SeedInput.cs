using System.Globalization;

namespace BiDoRA.Workbench.Components.Sweeps;

/// <summary>
/// The seeds field of the sweep form: one number is a count (seeds 1 … N), anything else a list of seeds
/// separated by commas or spaces, where a-b is a range.
/// </summary>
/// <param name="Seeds">The seeds; null when the text is not valid.</param>
/// <param name="IsCount">The text was a single count.</param>
/// <param name="Error">What is wrong, phrased to follow the field's name.</param>
internal sealed record SeedInput(IReadOnlyList<int>? Seeds, bool IsCount, string? Error)
{
    /// <summary>More than this many seeds is certainly a typo (the sweep allows 200 runs in all).</summary>
    private const int MaxSeeds = 200;

    public static SeedInput Parse(string? text)
    {
        var trimmed = (text ?? "").Trim();
        if (trimmed.Length == 0) return Invalid("give a count (e.g. 5) or a list (e.g. 1, 2, 3).");
        if (int.TryParse(trimmed, NumberStyles.None, CultureInfo.InvariantCulture, out var count))
        {
            if (count < 1) return Invalid("must be at least 1.");
            if (count > MaxSeeds) return Invalid($"must be at most {MaxSeeds}.");
            return new SeedInput(Enumerable.Range(1, count).ToList(), true, null);
        }

        var seeds = new List<int>();
        foreach (var part in trimmed.Split([',', ' ', ';'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var range = part.Split('-', 2);
            if (!int.TryParse(range[0], NumberStyles.None, CultureInfo.InvariantCulture, out var from)
                || !int.TryParse(range.Length == 2 ? range[1] : range[0], NumberStyles.None, CultureInfo.InvariantCulture, out var to))
            {
                return Invalid($"'{part}' is not a seed: use whole numbers of 0 or more, e.g. 1, 2, 3 or 1-5.");
            }
            if (to < from) return Invalid($"range '{part}' runs backwards.");
            if (to - from >= MaxSeeds || seeds.Count + to - from + 1 > MaxSeeds) return Invalid($"at most {MaxSeeds} seeds.");
            for (var seed = from; seed <= to; seed++)
            {
                if (seeds.Contains(seed)) return Invalid($"list seed {seed} twice.");
                seeds.Add(seed);
            }
        }
        return new SeedInput(seeds, false, null);
    }

    private static SeedInput Invalid(string error) => new(null, false, error);
}
