using BiDoRA.Engine.Checkpoints;
using BiDoRA.Engine.Runtime;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace BiDoRA.Engine.Esm;

/// <summary>A loaded model and how its checkpoint matched it.</summary>
public sealed record EsmLoadResult(EsmModel Model, EsmLoadReport Report);

/// <summary>
/// ESM-2 with its masked-LM head (transformers' <c>EsmForMaskedLM</c>): the <c>esm</c> backbone and <c>lm_head</c>.
/// Parameters carry transformers' names, so Hugging Face checkpoints load by name.
/// </summary>
public sealed class EsmModel : nn.Module<Tensor, Tensor, Tensor>
{
    private const string PositionIds = "esm.embeddings.position_ids";
    // Transformers before 4.53 created learned position embeddings even for rotary models, and most released
    // ESM-2 checkpoints still carry that unused table.
    private const string PositionEmbeddings = "esm.embeddings.position_embeddings.weight";
    private const string ContactHeadPrefix = "esm.contact_head.";
    private const string DecoderWeight = "lm_head.decoder.weight";
    private const string WordEmbeddings = "esm.embeddings.word_embeddings.weight";

    internal EsmBackbone esm;
    internal EsmLMHead lm_head;

    private EsmModel(EsmConfig config, EsmTokenizer tokenizer, Device? device, ScalarType dtype) : base(nameof(EsmModel))
    {
        if (!is_floating_point(empty(0, dtype: dtype)))
        {
            throw new ArgumentException($"A model needs a floating-point type, not {dtype}.", nameof(dtype));
        }
        config.Validate();
        if (tokenizer.VocabSize != config.VocabSize)
        {
            throw new ArgumentException($"The tokenizer has {tokenizer.VocabSize} tokens but the config's vocab_size is {config.VocabSize}.", nameof(tokenizer));
        }
        Config = config;
        Tokenizer = tokenizer;
        esm = new EsmBackbone(config, tokenizer, device, dtype);
        lm_head = new EsmLMHead(config, device, dtype);
        RegisterComponents();
    }

    public EsmConfig Config { get; }

    public EsmTokenizer Tokenizer { get; }

    /// <summary>The encoder alone, for fine-tuning with a task head.</summary>
    public EsmBackbone Backbone => esm;

    public ScalarType DType => esm.embeddings.word_embeddings.weight.dtype;

    public Device Device => esm.embeddings.word_embeddings.weight.device;

    /// <summary>
    /// Loads a Hugging Face model folder (<c>config.json</c>, <c>vocab.txt</c>, <c>model.safetensors</c> or sharded).
    /// Weights are read one tensor at a time from the memory-mapped file and converted to <paramref name="dtype"/>.
    /// </summary>
    /// <exception cref="CheckpointFormatException">A file is malformed, a required tensor is missing, or a shape differs.</exception>
    public static EsmLoadResult FromPretrained(string folder, Device? device = null, ScalarType dtype = ScalarType.Float32)
    {
        TorchRuntime.EnsureInitialised();
        using var files = HuggingFaceModelFolder.Open(folder);
        var model = new EsmModel(files.Config, files.Tokenizer, device, dtype);
        try
        {
            var report = model.LoadWeights(files.Weights);
            model.eval();
            return new EsmLoadResult(model, report);
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }

    /// <summary>
    /// A randomly initialised model of any size, initialised as transformers does: every Linear and the
    /// embeddings from N(0, initializer_range²), biases 0, LayerNorms 1 and 0, the <c>&lt;pad&gt;</c> row 0.
    /// Values are drawn in float32 from <paramref name="seed"/>, so float32 and float64 models of a seed agree.
    /// </summary>
    public static EsmModel Create(EsmConfig config, long seed = 0, Device? device = null, ScalarType dtype = ScalarType.Float32, EsmTokenizer? tokenizer = null)
    {
        TorchRuntime.EnsureInitialised();
        var model = new EsmModel(config, tokenizer ?? EsmTokenizer.Esm2, device, dtype);
        try
        {
            model.InitialiseWeights(seed);
            model.eval();
            return model;
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }

    /// <summary>Masked-LM logits [B, T, V].</summary>
    public override Tensor forward(Tensor inputIds, Tensor attentionMask)
    {
        using var output = esm.Forward(inputIds, attentionMask);
        return lm_head.call(output.LastHiddenState, esm.embeddings.word_embeddings.weight);
    }

    /// <summary>Logits, final hidden states and, when asked for, every layer's hidden states.</summary>
    public EsmModelOutput Forward(Tensor inputIds, Tensor attentionMask, bool outputHiddenStates = false)
    {
        var backbone = esm.Forward(inputIds, attentionMask, outputHiddenStates);
        try
        {
            var logits = lm_head.call(backbone.LastHiddenState, esm.embeddings.word_embeddings.weight);
            return new EsmModelOutput(logits, backbone);
        }
        catch
        {
            backbone.Dispose();
            throw;
        }
    }

    /// <summary>Number of parameters (each tied matrix counted once).</summary>
    public long ParameterCount() => parameters().Sum(p => p.numel());

    /// <summary>
    /// Copies every model tensor from <paramref name="source"/> by name. Known extras (position_ids, the contact
    /// head, a decoder copy of the tied embeddings) are ignored; anything else unknown is reported as unexpected.
    /// </summary>
    /// <exception cref="CheckpointFormatException">A required tensor is missing, or a shape or type does not fit.</exception>
    public EsmLoadReport LoadWeights(ITensorSource source)
    {
        var loaded = new List<string>();
        var defaulted = new List<string>();
        var missing = new List<string>();
        var warnings = new List<string>();
        var targets = state_dict();
        using (no_grad())
        {
            foreach (var (name, target) in targets)
            {
                if (source.Contains(name))
                {
                    CopyInto(source, name, name, target);
                    loaded.Add(name);
                }
                else if (name.EndsWith(".rotary_embeddings.inv_freq", StringComparison.Ordinal))
                {
                    // Newer transformers versions do not save this buffer; the model computes the same float32 values.
                    defaulted.Add(name);
                }
                else if (name == DecoderWeight && source.Contains(WordEmbeddings))
                {
                    CopyInto(source, WordEmbeddings, name, target);
                    defaulted.Add(name);
                    warnings.Add($"{DecoderWeight} is absent; the decoder starts from the word embeddings.");
                }
                else
                {
                    missing.Add(name);
                }
            }
        }
        if (missing.Count > 0)
        {
            throw new CheckpointFormatException(source.Path,
                $"{missing.Count} required tensor(s) missing, e.g. {string.Join(", ", missing.Take(5))}. Is this an ESM-2 EsmForMaskedLM checkpoint?");
        }

        var ignored = new List<string>();
        var unexpected = new List<string>();
        foreach (var name in source.Names.Where(n => !targets.ContainsKey(n)))
        {
            if (name == PositionIds || name == PositionEmbeddings || name.StartsWith(ContactHeadPrefix, StringComparison.Ordinal))
            {
                ignored.Add(name);
            }
            else if (name == DecoderWeight && Config.TieWordEmbeddings)
            {
                ignored.Add(name);
                if (!SameAsWordEmbeddings(source))
                {
                    warnings.Add($"{DecoderWeight} differs from {WordEmbeddings}; as the config ties them, the word embeddings are used (as transformers does).");
                }
            }
            else
            {
                unexpected.Add(name);
            }
        }
        return new EsmLoadReport
        {
            Source = source.Path,
            Loaded = loaded,
            Defaulted = defaulted,
            Ignored = ignored,
            Unexpected = unexpected,
            Warnings = warnings,
        };
    }

    private static void CopyInto(ITensorSource source, string sourceName, string targetName, Tensor target)
    {
        var info = source.GetInfo(sourceName);
        if (!info.Shape.SequenceEqual(target.shape))
        {
            throw new CheckpointFormatException(source.Path,
                $"tensor '{sourceName}' has shape [{string.Join(", ", info.Shape)}] but the model's '{targetName}' needs [{string.Join(", ", target.shape)}] (does config.json match the weights?).");
        }
        if (info.DType == SafetensorsDType.I64 && is_floating_point(target))
        {
            throw new CheckpointFormatException(source.Path, $"tensor '{sourceName}' is integer (I64) but '{targetName}' is floating point.");
        }
        using var value = source.Read(sourceName, target.dtype, target.device);
        target.copy_(value);
    }

    private bool SameAsWordEmbeddings(ITensorSource source)
    {
        var embeddings = esm.embeddings.word_embeddings.weight;
        if (!source.GetInfo(DecoderWeight).Shape.SequenceEqual(embeddings.shape))
        {
            return false;
        }
        using var scope = NewDisposeScope();
        var stored = source.Read(DecoderWeight, embeddings.dtype, embeddings.device);
        return stored.eq(embeddings).all().item<bool>();
    }

    private void InitialiseWeights(long seed)
    {
        var std = Config.InitializerRange;
        using var generator = new Generator(unchecked((ulong)seed), CPU);
        using var noGrad = no_grad();
        foreach (var (_, module) in named_modules())
        {
            switch (module)
            {
                case Linear linear:
                    Normal(linear.weight!, std, generator);
                    linear.bias?.zero_();
                    break;
                case EsmWordEmbeddings embedding:
                    Normal(embedding.weight, std, generator);
                    using (var padRow = embedding.weight[Config.PadTokenId ?? Tokenizer.PadId])
                    {
                        padRow.zero_();
                    }
                    break;
                case LayerNorm norm:
                    norm.weight!.fill_(1.0);
                    norm.bias!.zero_();
                    break;
            }
        }
        lm_head.bias.zero_();
    }

    private static void Normal(Tensor target, double std, Generator generator)
    {
        using var values = empty(target.shape, dtype: ScalarType.Float32).normal_(0.0, std, generator);
        target.copy_(values);
    }

    /// <summary>
    /// Writes the model as a Hugging Face folder (<c>config.json</c>, <c>vocab.txt</c>, <c>model.safetensors</c> in
    /// float32 with a decoder copy of tied embeddings, as the released checkpoints have), streamed tensor by tensor.
    /// </summary>
    public void SavePretrained(string folder)
    {
        Directory.CreateDirectory(folder);
        Config.Save(Path.Combine(folder, HuggingFaceModelFolder.ConfigFileName));
        File.WriteAllText(Path.Combine(folder, HuggingFaceModelFolder.VocabularyFileName), string.Join("\n", Tokenizer.Vocabulary));
        var tensors = state_dict().ToList();
        if (lm_head.decoder is null)
        {
            tensors.Add(new(DecoderWeight, esm.embeddings.word_embeddings.weight));
        }
        var layout = tensors.Select(kv => new SafetensorsTensorSpec(kv.Key, SafetensorsDType.F32, kv.Value.shape)).ToList();
        var byName = tensors.ToDictionary(kv => kv.Key, kv => kv.Value);
        SafetensorsWriter.Write(Path.Combine(folder, HuggingFaceModelFolder.WeightsFileName), layout,
            name =>
            {
                using var detached = byName[name].detach();
                return detached.to(ScalarType.Float32, CPU);
            });
    }
}
