using TorchSharp;
using static TorchSharp.torch;

namespace BiDoRA.Engine.Esm;

/// <summary>Pooling of per-token states over residues only.</summary>
public static class EsmPooling
{
    /// <summary>
    /// [B, T] mask (in <paramref name="dtype"/>) that is 1 on residues: positions after <c>&lt;cls&gt;</c> and before
    /// each sequence's <c>&lt;eos&gt;</c>, found from the attention mask (right padding), so <c>&lt;mask&gt;</c> counts as a residue.
    /// </summary>
    public static Tensor ResidueMask(Tensor attentionMask, ScalarType dtype)
    {
        using var scope = NewDisposeScope();
        var lengths = attentionMask.ne(0).sum(-1, keepdim: true);
        var positions = arange(attentionMask.shape[1], dtype: ScalarType.Int64, device: attentionMask.device).unsqueeze(0);
        var residues = positions.ge(1).logical_and(positions.lt(lengths - 1));
        return residues.to(dtype).MoveToOuterDisposeScope();
    }

    /// <summary>Mean of <paramref name="hidden"/> [B, T, H] over each sequence's residues, [B, H].</summary>
    public static Tensor MeanOverResidues(Tensor hidden, Tensor attentionMask)
    {
        using var scope = NewDisposeScope();
        var mask = ResidueMask(attentionMask, hidden.dtype).unsqueeze(-1);
        var sum = (hidden * mask).sum(1);
        var count = mask.sum(1).clamp_min(1);
        return (sum / count).MoveToOuterDisposeScope();
    }
}
