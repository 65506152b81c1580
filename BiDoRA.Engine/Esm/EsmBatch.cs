using TorchSharp;

namespace BiDoRA.Engine.Esm;

/// <summary>
/// Token ids and attention mask of a right-padded batch ([B, T], int64), with the per-sequence counts needed
/// to pool over residues. Owns its tensors.
/// </summary>
public sealed class EsmBatch(torch.Tensor inputIds, torch.Tensor attentionMask, IReadOnlyList<int> lengths, IReadOnlyList<int> residueCounts) : IDisposable
{
    public torch.Tensor InputIds { get; } = inputIds;

    /// <summary>1 on <c>&lt;cls&gt;</c>, residues and <c>&lt;eos&gt;</c>; 0 on padding.</summary>
    public torch.Tensor AttentionMask { get; } = attentionMask;

    /// <summary>Tokens per sequence, special tokens included.</summary>
    public IReadOnlyList<int> Lengths { get; } = lengths;

    /// <summary>Residues per sequence (a <c>&lt;mask&gt;</c> counts as one), after any truncation.</summary>
    public IReadOnlyList<int> ResidueCounts { get; } = residueCounts;

    public void Dispose()
    {
        InputIds.Dispose();
        AttentionMask.Dispose();
    }
}
