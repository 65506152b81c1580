using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace BiDoRA.Engine.Interop;

/// <summary>The fields of PEFT's adapter_config.json (peft/tuners/lora/config.py) that decide how a LoRA/DoRA adapter computes.</summary>
internal sealed record PeftAdapterConfig
{
    public required string Path { get; init; }
    public string? BaseModel { get; init; }
    public int Rank { get; init; } = 8;
    public double Alpha { get; init; } = 8;
    public bool UseDora { get; init; }
    public bool UseRsLora { get; init; }

    /// <summary>A list (a module matches when its name equals an entry or ends with "." + entry), or one regex matched in full; null when absent.</summary>
    public IReadOnlyList<string>? TargetList { get; init; }
    public string? TargetRegex { get; init; }
    public IReadOnlyList<string> ModulesToSave { get; init; } = [];
    public IReadOnlyDictionary<string, int> RankPattern { get; init; } = new Dictionary<string, int>();
    public IReadOnlyDictionary<string, double> AlphaPattern { get; init; } = new Dictionary<string, double>();
    public IReadOnlySet<int>? LayersToTransform { get; init; }
    public bool BiDora { get; init; }
    public JsonObject? Labels { get; init; }

    /// <exception cref="InvalidDataException">Unreadable, an unknown peft_type, or a setting the workbench cannot compute; the message names the file and field.</exception>
    public static PeftAdapterConfig Read(string path)
    {
        JsonObject o;
        try
        {
            o = JsonNode.Parse(File.ReadAllText(path)) as JsonObject ?? throw new InvalidDataException($"{path}: expected a JSON object.");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path}: not valid JSON ({e.Message}).", e);
        }
        try
        {
            var peftType = o["peft_type"]?.GetValue<string>() ?? throw new InvalidDataException($"{path}: no peft_type; a PEFT adapter_config.json names its method (\"LORA\").");
            if (!string.Equals(peftType, "LORA", StringComparison.OrdinalIgnoreCase))
                throw new InvalidDataException($"{path}: peft_type '{peftType}' is not supported; the workbench reads LoRA and DoRA adapters (peft_type \"LORA\", with use_dora true for DoRA).");
            if (o["fan_in_fan_out"]?.GetValue<bool>() == true)
                throw new InvalidDataException($"{path}: fan_in_fan_out is true, which is for GPT-2-style Conv1D layers; ESM-2's layers are Linear.");
            if (o["lora_bias"]?.GetValue<bool>() == true)
                throw new InvalidDataException($"{path}: lora_bias is true (a bias on lora_B); the workbench reads adapters without one.");
            var bias = o["bias"]?.GetValue<string>() ?? "none";
            if (bias is not ("none" or "all" or "lora_only"))
                throw new InvalidDataException($"{path}: bias '{bias}' is unknown; expected none, all or lora_only.");
            if (o["use_qalora"]?.GetValue<bool>() == true || o["loftq_config"] is JsonObject { Count: > 0 })
                throw new InvalidDataException($"{path}: quantised adapters (QALoRA, LoftQ) are not supported.");

            IReadOnlyList<string>? list = null;
            string? regex = null;
            switch (o["target_modules"])
            {
                case JsonArray a:
                    list = a.Select(n => n?.GetValue<string>() ?? "").ToList();
                    break;
                case JsonValue v when v.TryGetValue<string>(out var s):
                    if (s == "all-linear") list = null;
                    else regex = s;
                    break;
            }
            if (regex is not null)
            {
                try
                {
                    _ = new Regex(regex, RegexOptions.CultureInvariant);
                }
                catch (ArgumentException e)
                {
                    throw new InvalidDataException($"{path}: target_modules '{regex}' is not a valid regular expression ({e.Message}).");
                }
            }
            return new PeftAdapterConfig
            {
                Path = path,
                BaseModel = o["base_model_name_or_path"]?.GetValue<string>(),
                Rank = o["r"]?.GetValue<int>() ?? 8,
                Alpha = o["lora_alpha"]?.GetValue<double>() ?? 8,
                UseDora = o["use_dora"]?.GetValue<bool>() ?? false,
                UseRsLora = o["use_rslora"]?.GetValue<bool>() ?? false,
                TargetList = list,
                TargetRegex = regex,
                ModulesToSave = o["modules_to_save"] is JsonArray m ? m.Select(n => n?.GetValue<string>() ?? "").ToList() : [],
                RankPattern = o["rank_pattern"] is JsonObject rp ? rp.ToDictionary(kv => kv.Key, kv => kv.Value!.GetValue<int>()) : new Dictionary<string, int>(),
                AlphaPattern = o["alpha_pattern"] is JsonObject ap ? ap.ToDictionary(kv => kv.Key, kv => kv.Value!.GetValue<double>()) : new Dictionary<string, double>(),
                LayersToTransform = o["layers_to_transform"] switch
                {
                    JsonArray l => l.Select(n => n!.GetValue<int>()).ToHashSet(),
                    JsonValue v when v.TryGetValue<int>(out var one) => new HashSet<int> { one },
                    _ => null,
                },
                BiDora = o["bidora"] is JsonValue b && b.TryGetValue<bool>(out var isBiDora) && isBiDora,
                Labels = o[PeftLayout.LabelsKey] as JsonObject,
            };
        }
        catch (Exception e) when (e is InvalidOperationException or FormatException)
        {
            throw new InvalidDataException($"{path}: a field has the wrong type ({e.Message}).", e);
        }
    }

    /// <summary>Whether target_modules selects <paramref name="module"/> (its name in EsmForSequenceClassification, e.g. esm.encoder.layer.0.attention.self.query).</summary>
    public bool Targets(string module)
    {
        if (LayersToTransform is { } layers && (LayerIndex(module) is not { } index || !layers.Contains(index))) return false;
        if (TargetRegex is { } regex) return Regex.IsMatch(module, $"^(?:{regex})$", RegexOptions.CultureInvariant);
        return TargetList is null || TargetList.Any(p => Matches(module, p));
    }

    public static bool Matches(string module, string pattern) => module == pattern || module.EndsWith("." + pattern, StringComparison.Ordinal);

    /// <summary>PEFT's per-module rank and alpha: a rank_pattern/alpha_pattern key matches a module name ending in it.</summary>
    public (int Rank, double Alpha) For(string module)
    {
        var rank = RankPattern.FirstOrDefault(kv => Regex.IsMatch(module, $"(.*\\.)?{kv.Key}$", RegexOptions.CultureInvariant)) is { Key: not null } r ? r.Value : Rank;
        var alpha = AlphaPattern.FirstOrDefault(kv => Regex.IsMatch(module, $"(.*\\.)?{kv.Key}$", RegexOptions.CultureInvariant)) is { Key: not null } a ? a.Value : Alpha;
        return (rank, alpha);
    }

    /// <summary>s = alpha / r, or alpha / √r with rsLoRA.</summary>
    public double Scaling(int rank, double alpha) => UseRsLora ? alpha / Math.Sqrt(rank) : alpha / rank;

    private static int? LayerIndex(string module)
    {
        var m = Regex.Match(module, @"\.layer\.(\d+)\.", RegexOptions.CultureInvariant);
        return m.Success ? int.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture) : null;
    }
}
