using BiDoRA.Engine.Esm;

namespace BiDoRA.Engine.Checkpoints;

/// <summary>
/// The released ESM-2 models (facebook/esm2_*) with their real configurations, and two models shipped with the app so
/// that everything can be tried offline: <c>tiny</c>, a 2-layer random checkpoint, and <c>mini</c>, a 4-layer model
/// pretrained with <c>bidora pretrain</c> on the sample datasets' training sequences (see its pretraining.json).
/// </summary>
public static class ModelCatalog
{
    public const string TinyName = "tiny";

    /// <summary>The small model pretrained here on the bundled samples' training sequences: the offline default for new runs.</summary>
    public const string MiniName = "mini";

    private static readonly EsmConfig TinyConfig = Esm2(layers: 2, hidden: 32, heads: 4, intermediate: 64);

    private static readonly EsmConfig MiniConfig = Esm2(layers: 4, hidden: 64, heads: 4, intermediate: 256);

    public static IReadOnlyList<ModelCatalogEntry> Entries { get; } =
    [
        Entry(TinyName, "Tiny random ESM-2 (2 layers, hidden 32) for trying the workbench offline; it has learned nothing.", TinyConfig, hubId: null),
        Entry(MiniName, "Demonstration ESM-2 (4 layers, hidden 64, 0.2M parameters) pretrained on this machine for 2 epochs on the bundled samples' training sequences "
            + "(held-out perplexity 15.2; a random model scores 33). It has learned little beyond residue frequencies: far weaker than any released ESM-2.", MiniConfig, hubId: null),
        Released("esm2_t6_8M_UR50D", "ESM-2 8M: 6 layers, hidden 320. Fast; a good first choice on a CPU.", 6, 320, 20, 1280),
        Released("esm2_t12_35M_UR50D", "ESM-2 35M: 12 layers, hidden 480.", 12, 480, 20, 1920),
        Released("esm2_t30_150M_UR50D", "ESM-2 150M: 30 layers, hidden 640.", 30, 640, 20, 2560),
        Released("esm2_t33_650M_UR50D", "ESM-2 650M: 33 layers, hidden 1280. Wants a GPU for training.", 33, 1280, 20, 5120),
        Released("esm2_t36_3B_UR50D", "ESM-2 3B: 36 layers, hidden 2560. Needs a large GPU.", 36, 2560, 40, 10240),
    ];

    /// <summary>Folder of the models shipped with the app (<c>wwwroot-assets/models</c> next to the executable).</summary>
    public static string BundledModelsDirectory => Path.Combine(AppContext.BaseDirectory, "wwwroot-assets", "models");

    public static ModelCatalogEntry? Find(string name) =>
        Entries.FirstOrDefault(e => string.Equals(e.Name, name, StringComparison.OrdinalIgnoreCase));

    /// <summary>Parameters of the masked-LM model built from <paramref name="config"/> (what <see cref="EsmModel.ParameterCount"/> reports).</summary>
    public static long CountParameters(EsmConfig config)
    {
        long h = config.HiddenSize, i = config.IntermediateSize, v = config.VocabSize;
        var attention = 4 * (h * h + h) + 2 * h;
        var feedForward = h * i + i + i * h + h + 2 * h;
        var backbone = v * h + config.NumHiddenLayers * (attention + feedForward) + 2 * h;
        var head = h * h + h + 2 * h + v + (config.TieWordEmbeddings ? 0 : v * h);
        return backbone + head;
    }

    /// <summary>
    /// Approximate size of the released float32 <c>model.safetensors</c>: the parameters, plus what those files
    /// also store (the decoder's copy of the tied embeddings, an unused learned position table, the contact head,
    /// rotary inv_freq, position_ids).
    /// </summary>
    public static long EstimateDownloadBytes(EsmConfig config)
    {
        long extraFloats = (config.TieWordEmbeddings ? (long)config.VocabSize * config.HiddenSize : 0)
                           + (long)config.MaxPositionEmbeddings * config.HiddenSize
                           + (long)config.NumHiddenLayers * config.NumAttentionHeads + 1
                           + (long)config.NumHiddenLayers * (config.HeadSize / 2);
        return 4 * (CountParameters(config) + extraFloats) + 8L * config.MaxPositionEmbeddings;
    }

    /// <summary>The configuration of the released ESM-2 models at another size (rotary, token dropout, tied decoder, 33 tokens).</summary>
    public static EsmConfig Esm2Config(int layers, int hidden, int heads, int intermediate) => Esm2(layers, hidden, heads, intermediate);

    private static EsmConfig Esm2(int layers, int hidden, int heads, int intermediate) => new()
    {
        VocabSize = 33,
        HiddenSize = hidden,
        NumHiddenLayers = layers,
        NumAttentionHeads = heads,
        IntermediateSize = intermediate,
        HiddenAct = "gelu",
        HiddenDropoutProb = 0.0,
        AttentionProbsDropoutProb = 0.0,
        MaxPositionEmbeddings = 1026,
        InitializerRange = 0.02,
        LayerNormEps = 1e-5,
        PositionEmbeddingType = "rotary",
        TokenDropout = true,
        EmbLayerNormBefore = false,
        MaskTokenId = 32,
        PadTokenId = 1,
        TieWordEmbeddings = true,
    };

    private static ModelCatalogEntry Released(string name, string description, int layers, int hidden, int heads, int intermediate) =>
        Entry(name, description, Esm2(layers, hidden, heads, intermediate), "facebook/" + name);

    private static ModelCatalogEntry Entry(string name, string description, EsmConfig config, string? hubId) =>
        new(name, description, config, hubId, CountParameters(config), EstimateDownloadBytes(config));
}
