using System.Globalization;
using System.Text.Json.Nodes;

namespace BiDoRA.Workbench.Services.Models;

/// <summary>What a model folder's pretraining.json says of how it was made.</summary>
public sealed record ModelProvenance(
    string? Command,
    string BaseModel,
    string Method,
    IReadOnlyList<string> SequenceFiles,
    int TrainSequences,
    int HeldOutSequences,
    int Steps,
    int Seed,
    double DurationSeconds,
    double TokensPerSecond,
    double BasePerplexity,
    double Perplexity)
{
    /// <summary>Reads a pretraining.json; throws on a malformed one (the caller logs and shows nothing).</summary>
    public static ModelProvenance Read(string path)
    {
        var json = JsonNode.Parse(File.ReadAllText(path)) ?? throw new InvalidDataException($"{path} is empty.");
        double Number(string key) => json[key]?.GetValue<double>() ?? double.NaN;
        return new ModelProvenance(
            json["command"]?.GetValue<string>(),
            json["base_model"]?.GetValue<string>() ?? "?",
            json["method"]?.GetValue<string>() ?? "?",
            json["sequence_files"]?.AsArray().Select(f => f?.GetValue<string>() ?? "").ToList() ?? [],
            json["train_sequences"]?.GetValue<int>() ?? 0,
            json["held_out_sequences"]?.GetValue<int>() ?? 0,
            json["steps"]?.GetValue<int>() ?? 0,
            json["seed"]?.GetValue<int>() ?? 0,
            Number("duration_seconds"),
            Number("tokens_per_second"),
            Number("base_perplexity"),
            Number("perplexity"));
    }

    /// <summary>One line: what it was trained on and what it reached.</summary>
    public string Summary =>
        $"Pretrained from {BaseModel} ({Method}, {Steps} steps, seed {Seed}) on {TrainSequences} sequences of {string.Join(", ", SequenceFiles)} "
        + $"in {Format(DurationSeconds / 60)} min ({Format(TokensPerSecond, "0")} tokens/s); held-out perplexity {Format(BasePerplexity)} → {Format(Perplexity)}.";

    private static string Format(double value, string format = "0.0") => value.ToString(format, CultureInfo.InvariantCulture);
}
