using BiDoRA.Engine.Adapters;
using BiDoRA.Engine.Esm;

namespace BiDoRA.Benchmarks;

/// <summary>
/// Model FLOPs of one batch, counted from the shapes: matrix products only (a multiply-add is 2), as MFU figures
/// count them; layer norms, softmax, GELU and optimiser updates are left out. The backward pass of a product costs
/// as much as the forward for the input gradient and as much again for the weight gradient, which frozen weights
/// (LoRA, DoRA, BiDoRA) do not need; attention's two products need both operands' gradients.
/// </summary>
public sealed class ModelFlops
{
    private readonly double _linear;
    private readonly double _attention;
    private readonly double _head;
    private readonly double _adapterForward;
    private readonly double _adapterWeightGradients;
    private readonly double _regulariser;

    /// <param name="config">The backbone.</param>
    /// <param name="batch">Sequences per batch.</param>
    /// <param name="length">Tokens per sequence (padded length).</param>
    /// <param name="classes">Outputs of the task head.</param>
    /// <param name="adapted">(in, out) of every adapted matrix.</param>
    /// <param name="rank">LoRA rank.</param>
    /// <param name="dora">The adapters renormalise rows (DoRA, BiDoRA): the direction W0 + s·B·A is formed each pass.</param>
    public ModelFlops(EsmConfig config, long batch, long length, int classes, IReadOnlyList<(long In, long Out)> adapted, int rank, bool dora)
    {
        double n = batch * length, h = config.HiddenSize, i = config.IntermediateSize, layers = config.NumHiddenLayers;
        _linear = layers * 2 * n * (4 * h * h + 2 * h * i);
        _attention = layers * 4 * batch * (double)length * length * h;
        _head = 2 * batch * (h * h + h * classes);
        _adapterForward = adapted.Sum(a => 2 * n * rank * (a.In + a.Out) + (dora ? 2.0 * a.In * a.Out * rank : 0));
        _adapterWeightGradients = adapted.Sum(a => 2 * n * rank * (a.In + a.Out) + (dora ? 4.0 * a.In * a.Out * rank : 0));
        // BiDoRA's orthogonality regulariser: the (out × out) Gram matrix of each direction, forward and backward.
        _regulariser = dora ? adapted.Sum(a => 3 * 2.0 * a.Out * a.Out * a.In) : 0;
    }

    /// <summary>One forward pass.</summary>
    public double Forward => _linear + _attention + _head + _adapterForward;

    /// <summary>Forward, then the gradients of the inputs of every product (what a gradient for m alone needs).</summary>
    public double ForwardBackwardInputs => Forward + _linear + 2 * _attention + _head + _adapterForward;

    /// <summary>FLOPs of one training iteration of <paramref name="method"/>.</summary>
    public double Step(BenchmarkMethod method)
    {
        var adapterStep = ForwardBackwardInputs + _adapterWeightGradients + _head;
        var lower = method.IsBiLevel ? adapterStep + _regulariser : adapterStep;
        return method.Method switch
        {
            Engine.Adapters.AdapterMethod.Full => ForwardBackwardInputs + _linear + _head,
            Engine.Adapters.AdapterMethod.Lora or Engine.Adapters.AdapterMethod.Dora => adapterStep,
            _ => method.Hypergradient switch
            {
                // Upper pass: the gradient for m only.
                Engine.Training.HypergradientMode.FirstOrder => lower + ForwardBackwardInputs,
                // Upper pass for m and θ, then ∂/∂m at θ ± εv.
                Engine.Training.HypergradientMode.FiniteDifference => lower + adapterStep + 2 * ForwardBackwardInputs,
                // Virtual step, upper pass at θ′, the lower pass again with its graph, and the double backward
                // through it (counted as one more backward).
                _ => lower + 3 * adapterStep + _regulariser + (adapterStep - Forward),
            },
        };
    }
}
