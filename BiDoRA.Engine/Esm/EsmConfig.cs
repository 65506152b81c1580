using System.Text.Json;
using System.Text.Json.Nodes;
using BiDoRA.Engine.Checkpoints;

namespace BiDoRA.Engine.Esm;

/// <summary>
/// The architecture of an ESM-2 model, as transformers' <c>EsmConfig</c> writes it to <c>config.json</c>.
/// Every size is taken from the file; a missing optional field gets transformers' default.
/// </summary>
public sealed record EsmConfig
{
    public required int VocabSize { get; init; }

    public required int HiddenSize { get; init; }

    public required int NumHiddenLayers { get; init; }

    public required int NumAttentionHeads { get; init; }

    /// <summary>Width of the feed-forward block (4 × hidden in the released ESM-2 models, but read, never derived).</summary>
    public required int IntermediateSize { get; init; }

    public string HiddenAct { get; init; } = "gelu";

    public double HiddenDropoutProb { get; init; }

    public double AttentionProbsDropoutProb { get; init; }

    public int MaxPositionEmbeddings { get; init; } = 1026;

    public double InitializerRange { get; init; } = 0.02;

    public double LayerNormEps { get; init; } = 1e-5;

    public string PositionEmbeddingType { get; init; } = "rotary";

    /// <summary>ESM-2's rescaling of embeddings by the share of masked tokens (applied in evaluation too).</summary>
    public bool TokenDropout { get; init; } = true;

    public bool EmbLayerNormBefore { get; init; }

    /// <summary>Null: taken from the vocabulary's <c>&lt;mask&gt;</c>.</summary>
    public int? MaskTokenId { get; init; } = 32;

    /// <summary>Null: taken from the vocabulary's <c>&lt;pad&gt;</c>.</summary>
    public int? PadTokenId { get; init; } = 1;

    /// <summary>The masked-LM decoder shares the word-embedding matrix (transformers' default).</summary>
    public bool TieWordEmbeddings { get; init; } = true;

    public int HeadSize => HiddenSize / NumAttentionHeads;

    /// <summary>Reads and validates a transformers <c>config.json</c>.</summary>
    /// <exception cref="CheckpointFormatException">Malformed JSON, a missing or invalid field, or an architecture this engine does not implement.</exception>
    public static EsmConfig FromFile(string path)
    {
        var fullPath = Path.GetFullPath(path);
        if (!File.Exists(fullPath))
        {
            throw new FileNotFoundException($"Model config not found: {fullPath}", fullPath);
        }
        JsonObject root;
        try
        {
            root = JsonNode.Parse(File.ReadAllText(fullPath)) as JsonObject
                   ?? throw new CheckpointFormatException(fullPath, "expected a JSON object.");
        }
        catch (JsonException e)
        {
            throw new CheckpointFormatException(fullPath, $"not valid JSON ({e.Message}).", e);
        }
        return FromJson(root, fullPath);
    }

    internal static EsmConfig FromJson(JsonObject root, string source)
    {
        var reader = new Fields(root, source);
        var modelType = reader.String("model_type", null);
        if (modelType is not null && modelType != "esm")
        {
            throw new CheckpointFormatException(source, $"model_type is '{modelType}', not 'esm'.");
        }
        if (reader.Bool("is_folding_model", false))
        {
            throw new CheckpointFormatException(source, "is_folding_model is true: ESMFold checkpoints are not supported, only ESM-2 language models.");
        }
        var defaults = new EsmConfig { VocabSize = 0, HiddenSize = 0, NumHiddenLayers = 0, NumAttentionHeads = 0, IntermediateSize = 0 };
        var config = new EsmConfig
        {
            VocabSize = reader.RequiredInt("vocab_size"),
            HiddenSize = reader.RequiredInt("hidden_size"),
            NumHiddenLayers = reader.RequiredInt("num_hidden_layers"),
            NumAttentionHeads = reader.RequiredInt("num_attention_heads"),
            IntermediateSize = reader.RequiredInt("intermediate_size"),
            HiddenAct = reader.String("hidden_act", defaults.HiddenAct)!,
            HiddenDropoutProb = reader.Double("hidden_dropout_prob", 0.1),
            AttentionProbsDropoutProb = reader.Double("attention_probs_dropout_prob", 0.1),
            MaxPositionEmbeddings = reader.Int("max_position_embeddings", defaults.MaxPositionEmbeddings),
            InitializerRange = reader.Double("initializer_range", defaults.InitializerRange),
            LayerNormEps = reader.Double("layer_norm_eps", 1e-12),
            PositionEmbeddingType = reader.String("position_embedding_type", "absolute")!,
            TokenDropout = reader.Bool("token_dropout", false),
            EmbLayerNormBefore = reader.Bool("emb_layer_norm_before", false),
            MaskTokenId = reader.NullableInt("mask_token_id"),
            PadTokenId = reader.NullableInt("pad_token_id"),
            TieWordEmbeddings = reader.Bool("tie_word_embeddings", true),
        };
        config.Validate(source);
        return config;
    }

    /// <exception cref="CheckpointFormatException">The configuration is inconsistent or not an ESM-2 this engine implements.</exception>
    public void Validate(string source = "EsmConfig")
    {
        void Positive(int value, string field)
        {
            if (value <= 0)
            {
                throw new CheckpointFormatException(source, $"{field} must be positive, found {value}.");
            }
        }
        Positive(VocabSize, "vocab_size");
        Positive(HiddenSize, "hidden_size");
        Positive(NumHiddenLayers, "num_hidden_layers");
        Positive(NumAttentionHeads, "num_attention_heads");
        Positive(IntermediateSize, "intermediate_size");
        if (HiddenSize % NumAttentionHeads != 0)
        {
            throw new CheckpointFormatException(source, $"hidden_size {HiddenSize} is not a multiple of num_attention_heads {NumAttentionHeads}.");
        }
        if (HeadSize % 2 != 0)
        {
            throw new CheckpointFormatException(source, $"the head size {HeadSize} (hidden_size / num_attention_heads) must be even for rotary embeddings.");
        }
        if (PositionEmbeddingType != "rotary")
        {
            throw new CheckpointFormatException(source, $"position_embedding_type '{PositionEmbeddingType}' is not supported; ESM-2 uses 'rotary' (ESM-1b's learned positions are not implemented).");
        }
        if (HiddenAct != "gelu")
        {
            throw new CheckpointFormatException(source, $"hidden_act '{HiddenAct}' is not supported; ESM-2 uses 'gelu'.");
        }
        if (EmbLayerNormBefore)
        {
            throw new CheckpointFormatException(source, "emb_layer_norm_before is true (ESM-1b); only ESM-2 (false) is supported.");
        }
        if (LayerNormEps <= 0 || double.IsNaN(LayerNormEps))
        {
            throw new CheckpointFormatException(source, $"layer_norm_eps must be positive, found {LayerNormEps}.");
        }
        foreach (var (value, field) in new[] { (HiddenDropoutProb, "hidden_dropout_prob"), (AttentionProbsDropoutProb, "attention_probs_dropout_prob") })
        {
            if (value is < 0 or >= 1 || double.IsNaN(value))
            {
                throw new CheckpointFormatException(source, $"{field} must lie in [0, 1), found {value}.");
            }
        }
        foreach (var (value, field) in new[] { (MaskTokenId, "mask_token_id"), (PadTokenId, "pad_token_id") })
        {
            if (value is { } id && (id < 0 || id >= VocabSize))
            {
                throw new CheckpointFormatException(source, $"{field} {id} lies outside the vocabulary of {VocabSize}.");
            }
        }
    }

    /// <summary>Writes <c>config.json</c> in transformers' layout, so the folder loads in Python too.</summary>
    public void Save(string path)
    {
        var root = new JsonObject
        {
            ["architectures"] = new JsonArray("EsmForMaskedLM"),
            ["attention_probs_dropout_prob"] = AttentionProbsDropoutProb,
            ["classifier_dropout"] = null,
            ["emb_layer_norm_before"] = EmbLayerNormBefore,
            ["hidden_act"] = HiddenAct,
            ["hidden_dropout_prob"] = HiddenDropoutProb,
            ["hidden_size"] = HiddenSize,
            ["initializer_range"] = InitializerRange,
            ["intermediate_size"] = IntermediateSize,
            ["is_folding_model"] = false,
            ["layer_norm_eps"] = LayerNormEps,
            ["mask_token_id"] = MaskTokenId,
            ["max_position_embeddings"] = MaxPositionEmbeddings,
            ["model_type"] = "esm",
            ["num_attention_heads"] = NumAttentionHeads,
            ["num_hidden_layers"] = NumHiddenLayers,
            ["pad_token_id"] = PadTokenId,
            ["position_embedding_type"] = PositionEmbeddingType,
            ["tie_word_embeddings"] = TieWordEmbeddings,
            ["token_dropout"] = TokenDropout,
            ["torch_dtype"] = "float32",
            ["vocab_size"] = VocabSize,
        };
        File.WriteAllText(path, root.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n");
    }

    /// <summary>Reads typed fields with messages that name the file and the field.</summary>
    private sealed class Fields(JsonObject root, string source)
    {
        public int RequiredInt(string name) =>
            NullableInt(name) ?? throw new CheckpointFormatException(source, $"missing required field '{name}'.");

        public int Int(string name, int fallback) => NullableInt(name) ?? fallback;

        public int? NullableInt(string name)
        {
            var node = root[name];
            if (node is null)
            {
                return null;
            }
            if (node is JsonValue v && v.TryGetValue<JsonElement>(out var e) && e.ValueKind == JsonValueKind.Number && e.TryGetInt32(out var i))
            {
                return i;
            }
            throw new CheckpointFormatException(source, $"field '{name}' must be an integer, found {node.ToJsonString()}.");
        }

        public double Double(string name, double fallback)
        {
            var node = root[name];
            if (node is null)
            {
                return fallback;
            }
            if (node is JsonValue v && v.TryGetValue<JsonElement>(out var e) && e.ValueKind == JsonValueKind.Number)
            {
                return e.GetDouble();
            }
            throw new CheckpointFormatException(source, $"field '{name}' must be a number, found {node.ToJsonString()}.");
        }

        public bool Bool(string name, bool fallback)
        {
            var node = root[name];
            if (node is null)
            {
                return fallback;
            }
            if (node is JsonValue v && v.TryGetValue<JsonElement>(out var e) && e.ValueKind is JsonValueKind.True or JsonValueKind.False)
            {
                return e.GetBoolean();
            }
            throw new CheckpointFormatException(source, $"field '{name}' must be true or false, found {node.ToJsonString()}.");
        }

        public string? String(string name, string? fallback)
        {
            var node = root[name];
            if (node is null)
            {
                return fallback;
            }
            if (node is JsonValue v && v.TryGetValue<JsonElement>(out var e) && e.ValueKind == JsonValueKind.String)
            {
                return e.GetString();
            }
            throw new CheckpointFormatException(source, $"field '{name}' must be a string, found {node.ToJsonString()}.");
        }
    }
}
