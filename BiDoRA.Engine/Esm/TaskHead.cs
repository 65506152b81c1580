using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace BiDoRA.Engine.Esm;

/// <summary>
/// transformers' EsmClassificationHead (registered as <c>classifier</c>): dropout, dense, tanh, dropout, out_proj,
/// on the &lt;cls&gt; state or on the mean over residues. Regression uses one output.
/// </summary>
internal sealed class TaskHead : nn.Module<Tensor, Tensor, Tensor>
{
    internal readonly Linear dense;
    internal readonly Linear out_proj;
    private readonly double _dropout;

    public TaskHead(long hidden, int outputs, double dropout, Pooling pooling, Device? device, ScalarType dtype) : base(nameof(TaskHead))
    {
        dense = nn.Linear(hidden, hidden, device: device, dtype: dtype);
        out_proj = nn.Linear(hidden, outputs, device: device, dtype: dtype);
        _dropout = dropout;
        Pooling = pooling;
        RegisterComponents();
    }

    public Pooling Pooling { get; }

    /// <param name="hidden">[B, T, H] final hidden states.</param>
    /// <param name="attentionMask">[B, T].</param>
    /// <returns>[B, outputs].</returns>
    public override Tensor forward(Tensor hidden, Tensor attentionMask)
    {
        using var scope = NewDisposeScope();
        var features = Pooling == Pooling.Cls ? hidden.select(1, 0) : EsmPooling.MeanOverResidues(hidden, attentionMask);
        var x = nn.functional.dropout(features, _dropout, training);
        x = tanh(dense.call(x));
        x = nn.functional.dropout(x, _dropout, training);
        return out_proj.call(x).MoveToOuterDisposeScope();
    }
}
