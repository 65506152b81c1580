using BiDoRA.Engine.Evaluation;

namespace BiDoRA.Workbench.Api;

/// <summary>The query parameters of a comparison, checked field by field.</summary>
internal static class ComparisonQuery
{
    /// <summary>Parses the options; errors name the query parameter.</summary>
    public static (ComparisonOptions Options, Dictionary<string, string[]> Errors) Parse(HttpRequest request)
    {
        var q = request.Query;
        var errors = new Dictionary<string, string[]>();
        string? Text(string name) => q.TryGetValue(name, out var v) && !string.IsNullOrWhiteSpace(v.ToString()) ? v.ToString().Trim() : null;

        var alternative = TestAlternative.TwoSided;
        if (Text("alternative") is { } alt)
        {
            var normalised = alt.Replace("-", "", StringComparison.Ordinal).Replace("_", "", StringComparison.Ordinal).ToLowerInvariant();
            switch (normalised)
            {
                case "twosided": alternative = TestAlternative.TwoSided; break;
                case "greater": alternative = TestAlternative.Greater; break;
                case "less": alternative = TestAlternative.Less; break;
                default: errors["alternative"] = [$"'{alt}' is not one of two-sided, greater, less."]; break;
            }
        }
        var zeros = ZeroDifferenceMethod.Wilcox;
        if (Text("zeroMethod") is { } zero && !TryParse(zero, out zeros)) errors["zeroMethod"] = [$"'{zero}' is not one of wilcox, pratt."];
        var method = PValueMethod.Auto;
        if (Text("pValue") is { } p && !TryParse(p, out method)) errors["pValue"] = [$"'{p}' is not one of auto, exact, normal."];
        var correction = true;
        if (Text("correction") is { } c && !bool.TryParse(c, out correction)) errors["correction"] = [$"'{c}' is not true or false."];
        return (new ComparisonOptions
        {
            A = Text("a")?.ToLowerInvariant(),
            B = Text("b")?.ToLowerInvariant(),
            Metric = Text("metric")?.ToLowerInvariant(),
            Alternative = alternative,
            ZeroMethod = zeros,
            PValueMethod = method,
            ContinuityCorrection = correction,
        }, errors);
    }

    // Names only: Enum.TryParse alone would also take "7".
    private static bool TryParse<T>(string value, out T parsed) where T : struct, Enum
    {
        parsed = default;
        return Enum.GetNames<T>().Any(n => n.Equals(value, StringComparison.OrdinalIgnoreCase)) && Enum.TryParse(value, ignoreCase: true, out parsed);
    }
}
