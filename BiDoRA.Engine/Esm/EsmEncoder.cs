using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace BiDoRA.Engine.Esm;

/// <summary>The layer stack and the final LayerNorm (transformers' <c>encoder</c>).</summary>
internal sealed class EsmEncoder : nn.Module<Tensor, Tensor, Tensor>
{
    internal ModuleList<EsmLayer> layer;
    internal TorchSharp.Modules.LayerNorm emb_layer_norm_after;

    public EsmEncoder(EsmConfig config, Device? device, ScalarType dtype) : base(nameof(EsmEncoder))
    {
        layer = new ModuleList<EsmLayer>();
        for (var i = 0; i < config.NumHiddenLayers; i++)
        {
            layer.Add(new EsmLayer(config, device, dtype));
        }
        emb_layer_norm_after = EsmParameters.LayerNorm(config.HiddenSize, config.LayerNormEps, device, dtype);
        RegisterComponents();
    }

    public override Tensor forward(Tensor embeddings, Tensor keyPadding) => Run(embeddings, keyPadding, null);

    /// <summary>
    /// Runs every layer; with <paramref name="hiddenStates"/> given, appends each layer's output but the last,
    /// then the final state (after <c>emb_layer_norm_after</c>): with the embeddings in front, what transformers'
    /// <c>output_hidden_states</c> holds.
    /// </summary>
    public Tensor Run(Tensor embeddings, Tensor keyPadding, List<Tensor>? hiddenStates)
    {
        using var scope = NewDisposeScope();
        var added = new List<Tensor>();
        var x = embeddings;
        for (var i = 0; i < layer.Count; i++)
        {
            var next = layer[i].call(x, keyPadding);
            if (hiddenStates is null)
            {
                if (!ReferenceEquals(x, embeddings))
                {
                    // Long inputs: do not keep every layer's activations alive until the end of the pass
                    // (autograd holds its own references to whatever backward needs).
                    x.Dispose();
                }
            }
            else if (i < layer.Count - 1)
            {
                added.Add(next);
            }
            x = next;
        }
        var final = emb_layer_norm_after.call(x);
        if (hiddenStates is not null)
        {
            foreach (var h in added)
            {
                hiddenStates.Add(h.MoveToOuterDisposeScope());
            }
            hiddenStates.Add(final);
        }
        return final.MoveToOuterDisposeScope();
    }
}
