using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace BiDoRA.Engine.Esm;

/// <summary>
/// The token embedding table (transformers' <c>word_embeddings</c>). A managed parameter rather than TorchSharp's
/// Embedding, whose <c>weight</c> getter wraps a new handle on every call; the masked-LM head reads this matrix on
/// every forward pass (tied decoder). No padding index is needed: padding positions are multiplied by zero right
/// after the lookup, so the <c>&lt;pad&gt;</c> row gets no gradient from them either way.
/// </summary>
internal sealed class EsmWordEmbeddings : nn.Module<Tensor, Tensor>
{
    internal Parameter weight;

    public EsmWordEmbeddings(long count, long size, Device? device, ScalarType dtype) : base(nameof(EsmWordEmbeddings))
    {
        weight = new Parameter(empty([count, size], dtype: dtype, device: device));
        RegisterComponents();
    }

    /// <param name="inputIds">[B, T] int64.</param>
    /// <returns>[B, T, H].</returns>
    public override Tensor forward(Tensor inputIds)
    {
        using var scope = NewDisposeScope();
        var rows = weight.index_select(0, inputIds.reshape(-1));
        return rows.view([.. inputIds.shape, weight.shape[1]]).MoveToOuterDisposeScope();
    }
}
