using TorchSharp;

namespace BiDoRA.Engine.Training;

/// <summary>A batch corrupted for the masked-LM objective. Owns its tensors.</summary>
internal sealed class MaskedBatch(torch.Tensor inputIds, torch.Tensor attentionMask, torch.Tensor labels, int chosen, int tokens) : IDisposable
{
    /// <summary>[B, T] int64: the input with the chosen residues replaced (80 % &lt;mask&gt;, 10 % a random residue, 10 % kept).</summary>
    public torch.Tensor InputIds { get; } = inputIds;

    /// <summary>[B, T] int64: 1 on real tokens, 0 on padding.</summary>
    public torch.Tensor AttentionMask { get; } = attentionMask;

    /// <summary>[B, T] int64: the original token at chosen positions, <see cref="MaskedLanguageModeling.IgnoreIndex"/> everywhere else.</summary>
    public torch.Tensor Labels { get; } = labels;

    /// <summary>Positions the loss falls on.</summary>
    public int Chosen { get; } = chosen;

    /// <summary>Real tokens, &lt;cls&gt; and &lt;eos&gt; included.</summary>
    public int Tokens { get; } = tokens;

    public void Dispose()
    {
        InputIds.Dispose();
        AttentionMask.Dispose();
        Labels.Dispose();
    }
}
