using TorchSharp;

namespace BiDoRA.Engine.Esm;

/// <summary>What the backbone computes for a batch. Owns its tensors.</summary>
public sealed class EsmBackboneOutput(torch.Tensor lastHiddenState, IReadOnlyList<torch.Tensor>? hiddenStates) : IDisposable
{
    /// <summary>[B, T, H]: the last layer's output after <c>emb_layer_norm_after</c>.</summary>
    public torch.Tensor LastHiddenState { get; } = lastHiddenState;

    /// <summary>
    /// When asked for, L + 1 tensors [B, T, H] as transformers' <c>hidden_states</c>: the embeddings (index 0),
    /// the outputs of layers 1 … L−1, and <see cref="LastHiddenState"/> last.
    /// </summary>
    public IReadOnlyList<torch.Tensor>? HiddenStates { get; } = hiddenStates;

    public void Dispose()
    {
        LastHiddenState.Dispose();
        foreach (var h in HiddenStates ?? [])
        {
            h.Dispose();
        }
    }
}
