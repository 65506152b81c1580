using BiDoRA.Engine.Esm;

namespace BiDoRA.Engine.Checkpoints;

/// <summary>
/// A model folder in the Hugging Face layout: <c>config.json</c>, <c>vocab.txt</c>, and the weights as
/// <c>model.safetensors</c> or as shards listed by <c>model.safetensors.index.json</c>.
/// </summary>
public sealed class HuggingFaceModelFolder : IDisposable
{
    public const string ConfigFileName = "config.json";
    public const string VocabularyFileName = "vocab.txt";
    public const string WeightsFileName = "model.safetensors";

    private HuggingFaceModelFolder(string folder, EsmConfig config, EsmTokenizer tokenizer, ITensorSource weights)
    {
        Folder = folder;
        Config = config;
        Tokenizer = tokenizer;
        Weights = weights;
    }

    public string Folder { get; }

    public EsmConfig Config { get; }

    public EsmTokenizer Tokenizer { get; }

    public ITensorSource Weights { get; }

    /// <summary>Whether <paramref name="folder"/> holds a config and weights in either form (cheap; validates nothing).</summary>
    public static bool LooksLikeModelFolder(string folder) =>
        File.Exists(Path.Combine(folder, ConfigFileName))
        && (File.Exists(Path.Combine(folder, WeightsFileName)) || File.Exists(Path.Combine(folder, ShardedSafetensors.IndexFileName)));

    /// <exception cref="DirectoryNotFoundException">No such folder.</exception>
    /// <exception cref="CheckpointFormatException">A file is missing, malformed, or inconsistent with the others.</exception>
    public static HuggingFaceModelFolder Open(string folder)
    {
        var fullPath = Path.GetFullPath(folder);
        if (!Directory.Exists(fullPath))
        {
            throw new DirectoryNotFoundException($"Model folder not found: {fullPath}");
        }
        var configPath = Path.Combine(fullPath, ConfigFileName);
        if (!File.Exists(configPath))
        {
            throw new CheckpointFormatException(fullPath, $"no {ConfigFileName}; a Hugging Face model folder needs {ConfigFileName}, {VocabularyFileName} and {WeightsFileName}.");
        }
        var vocabularyPath = Path.Combine(fullPath, VocabularyFileName);
        if (!File.Exists(vocabularyPath))
        {
            throw new CheckpointFormatException(fullPath, $"no {VocabularyFileName}; a Hugging Face model folder needs {ConfigFileName}, {VocabularyFileName} and {WeightsFileName}.");
        }
        var config = EsmConfig.FromFile(configPath);
        var tokenizer = EsmTokenizer.FromVocabFile(vocabularyPath);
        CheckConsistent(configPath, config, tokenizer);

        var single = Path.Combine(fullPath, WeightsFileName);
        var index = Path.Combine(fullPath, ShardedSafetensors.IndexFileName);
        ITensorSource weights;
        if (File.Exists(single))
        {
            weights = SafetensorsFile.Open(single);
        }
        else if (File.Exists(index))
        {
            weights = ShardedSafetensors.Open(index);
        }
        else
        {
            var hint = File.Exists(Path.Combine(fullPath, "pytorch_model.bin"))
                ? " It has pytorch_model.bin, which is not read here: download the safetensors version of the model."
                : "";
            throw new CheckpointFormatException(fullPath, $"no {WeightsFileName} or {ShardedSafetensors.IndexFileName}.{hint}");
        }
        return new HuggingFaceModelFolder(fullPath, config, tokenizer, weights);
    }

    private static void CheckConsistent(string configPath, EsmConfig config, EsmTokenizer tokenizer)
    {
        if (tokenizer.VocabSize != config.VocabSize)
        {
            throw new CheckpointFormatException(configPath, $"vocab_size is {config.VocabSize} but {VocabularyFileName} lists {tokenizer.VocabSize} tokens.");
        }
        if (config.MaskTokenId is { } mask && mask != tokenizer.MaskId)
        {
            throw new CheckpointFormatException(configPath, $"mask_token_id is {mask} but <mask> is token {tokenizer.MaskId} in {VocabularyFileName}.");
        }
        if (config.PadTokenId is { } pad && pad != tokenizer.PadId)
        {
            throw new CheckpointFormatException(configPath, $"pad_token_id is {pad} but <pad> is token {tokenizer.PadId} in {VocabularyFileName}.");
        }
    }

    public void Dispose() => Weights.Dispose();
}
