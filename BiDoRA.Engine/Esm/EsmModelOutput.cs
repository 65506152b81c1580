using TorchSharp;

namespace BiDoRA.Engine.Esm;

/// <summary>What the masked-LM model computes for a batch. Owns its tensors.</summary>
public sealed class EsmModelOutput(torch.Tensor logits, EsmBackboneOutput backbone) : IDisposable
{
    /// <summary>[B, T, V] masked-LM logits at every position.</summary>
    public torch.Tensor Logits { get; } = logits;

    /// <summary>[B, T, H] final hidden states.</summary>
    public torch.Tensor LastHiddenState => Backbone.LastHiddenState;

    /// <summary>See <see cref="EsmBackboneOutput.HiddenStates"/>.</summary>
    public IReadOnlyList<torch.Tensor>? HiddenStates => Backbone.HiddenStates;

    public EsmBackboneOutput Backbone { get; } = backbone;

    public void Dispose()
    {
        Logits.Dispose();
        Backbone.Dispose();
    }
}
