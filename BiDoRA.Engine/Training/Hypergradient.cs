using TorchSharp;
using static TorchSharp.torch;

namespace BiDoRA.Engine.Training;

/// <summary>The upper level's gradient for the magnitudes, and what it was made from.</summary>
/// <param name="Magnitudes">One gradient per magnitude tensor; the caller owns and disposes them.</param>
/// <param name="UpperLoss">L_val at the point where the direct term was taken.</param>
/// <param name="DirectionGradientNorm">||v||, the global L2 norm of ∂L_val/∂θ (0 for first order).</param>
/// <param name="Epsilon">The finite-difference step ε (0 where none was taken).</param>
internal sealed record HypergradientResult(IReadOnlyList<Tensor> Magnitudes, double UpperLoss, double DirectionGradientNorm, double Epsilon) : IDisposable
{
    public void Dispose()
    {
        foreach (var g in Magnitudes) g.Dispose();
    }
}

/// <summary>
/// BiDoRA's hypergradient ∇_m L_val(θ*(m), m) as a pure function of the parameters and two loss closures, so it
/// can be checked on its own. θ (the direction: A, B, head) and m are leaf tensors the closures read; the closures
/// evaluate the task loss on a fixed batch at the current values. <c>lowerLoss</c> must NOT include the
/// orthogonality regulariser: it does not depend on m, so it adds nothing to ∂/∂m. Every call leaves θ and m with
/// exactly the values they came with and accumulates no .grad. Each evaluation of <c>lowerLoss</c> starts from the
/// same random-generator state, so dropout draws the same masks in every pass.
/// </summary>
internal static class Hypergradient
{
    public static HypergradientResult Compute(
        IReadOnlyList<Tensor> theta,
        IReadOnlyList<Tensor> magnitudes,
        Func<Tensor> lowerLoss,
        Func<Tensor> upperLoss,
        HypergradientSettings settings)
    {
        return settings.Mode switch
        {
            HypergradientMode.FirstOrder => FirstOrder(magnitudes, upperLoss),
            HypergradientMode.FiniteDifference => FiniteDifference(theta, magnitudes, lowerLoss, upperLoss, settings),
            HypergradientMode.Unrolled => Unrolled(theta, magnitudes, lowerLoss, upperLoss, settings),
            _ => throw new ArgumentOutOfRangeException(nameof(settings), settings.Mode, "Unknown hypergradient mode."),
        };
    }

    /// <summary>g = ∂_m L_val at the current θ.</summary>
    private static HypergradientResult FirstOrder(IReadOnlyList<Tensor> magnitudes, Func<Tensor> upperLoss)
    {
        using var scope = NewDisposeScope();
        var loss = upperLoss();
        var grads = autograd.grad([loss], [.. magnitudes]);
        return Keep(grads, loss.ToDouble(), 0, 0);
    }

    /// <summary>
    /// Betty's DARTS form, as BiDoRA's code uses it (ξ = 1 by default, evaluated at the current θ, which in training
    /// is the direction just updated): v = ∂_θ L_val, ε = r/||v||,
    /// g = ∂_m L_val − ξ·[∂_m L_tr(θ + εv) − ∂_m L_tr(θ − εv)] / (2ε).
    /// </summary>
    private static HypergradientResult FiniteDifference(
        IReadOnlyList<Tensor> theta, IReadOnlyList<Tensor> magnitudes, Func<Tensor> lowerLoss, Func<Tensor> upperLoss, HypergradientSettings settings)
    {
        using var scope = NewDisposeScope();
        var rng = random.get_rng_state();
        var (loss, direct, v) = UpperGradients(theta, magnitudes, upperLoss);
        var norm = GlobalNorm(v);
        var epsilon = settings.Radius / (norm + 1e-15);
        var mixed = CentralDifference(theta, magnitudes, lowerLoss, v, epsilon, rng);
        var result = direct.Zip(mixed, (d, m) => d - settings.Xi * m).ToList();
        return Keep(result, loss, norm, epsilon);
    }

    /// <summary>
    /// The exact derivative of the one-step unrolled objective, d/dm L_val(θ − ξ∇_θ L_tr(θ, m), m)
    /// = ∂_m L_val(θ′) − ξ·(∂²L_tr/∂m∂θ)(θ)·∇_θ′ L_val(θ′), the mixed term by double back-propagation
    /// (a Hessian-vector product) rather than by building θ′ inside the graph, so the model's own parameters
    /// can stay leaf tensors.
    /// </summary>
    private static HypergradientResult Unrolled(
        IReadOnlyList<Tensor> theta, IReadOnlyList<Tensor> magnitudes, Func<Tensor> lowerLoss, Func<Tensor> upperLoss, HypergradientSettings settings)
    {
        using var scope = NewDisposeScope();
        var rng = random.get_rng_state();
        var saved = Snapshot(theta);
        var (loss, direct, vPrime) = AtVirtualStep(theta, magnitudes, lowerLoss, upperLoss, settings.Xi, saved, rng);

        random.set_rng_state(rng);
        // This pass is differentiated twice: the fused attention kernel would abort the process there.
        using var twice = Esm.AttentionKernel.TwiceDifferentiable();
        var lower = lowerLoss();
        var gradTheta = autograd.grad([lower], [.. theta], retain_graph: true, create_graph: true);
        Tensor? dot = null;
        for (var i = 0; i < theta.Count; i++)
        {
            var term = (gradTheta[i] * vPrime[i]).sum();
            dot = dot is null ? term : dot + term;
        }
        var mixed = autograd.grad([dot!], [.. magnitudes]);
        var result = direct.Zip(mixed, (d, m) => d - settings.Xi * m).ToList();
        return Keep(result, loss, GlobalNorm(vPrime), 0);
    }

    /// <summary>
    /// The textbook DARTS approximation of <see cref="Unrolled"/> (Liu et al. 2019, eq. 7): the mixed term by a
    /// central difference around the ORIGINAL θ along v′ = ∇_θ′ L_val(θ′). Kept for checking the unrolled mode.
    /// </summary>
    internal static HypergradientResult DartsAroundOriginal(
        IReadOnlyList<Tensor> theta, IReadOnlyList<Tensor> magnitudes, Func<Tensor> lowerLoss, Func<Tensor> upperLoss, HypergradientSettings settings)
    {
        using var scope = NewDisposeScope();
        var rng = random.get_rng_state();
        var saved = Snapshot(theta);
        var (loss, direct, vPrime) = AtVirtualStep(theta, magnitudes, lowerLoss, upperLoss, settings.Xi, saved, rng);
        var norm = GlobalNorm(vPrime);
        var epsilon = settings.Radius / (norm + 1e-15);
        var mixed = CentralDifference(theta, magnitudes, lowerLoss, vPrime, epsilon, rng);
        var result = direct.Zip(mixed, (d, m) => d - settings.Xi * m).ToList();
        return Keep(result, loss, norm, epsilon);
    }

    /// <summary>
    /// Moves θ to θ′ = θ − ξ∇_θ L_tr(θ), takes L_val there with its gradients for m (direct term) and θ (v′), and
    /// moves θ back.
    /// </summary>
    private static (double Loss, IList<Tensor> Direct, IList<Tensor> VPrime) AtVirtualStep(
        IReadOnlyList<Tensor> theta, IReadOnlyList<Tensor> magnitudes, Func<Tensor> lowerLoss, Func<Tensor> upperLoss,
        double xi, IReadOnlyList<Tensor> saved, Tensor rng)
    {
        random.set_rng_state(rng);
        var step = autograd.grad([lowerLoss()], [.. theta]);
        try
        {
            using (no_grad())
            {
                for (var i = 0; i < theta.Count; i++) theta[i].copy_(saved[i] - xi * step[i]);
            }
            return UpperGradients(theta, magnitudes, upperLoss);
        }
        finally
        {
            Restore(theta, saved);
        }
    }

    /// <summary>L_val and, from ONE backward pass, its gradients for m and for θ.</summary>
    private static (double Loss, IList<Tensor> Direct, IList<Tensor> V) UpperGradients(
        IReadOnlyList<Tensor> theta, IReadOnlyList<Tensor> magnitudes, Func<Tensor> upperLoss)
    {
        var loss = upperLoss();
        var grads = autograd.grad([loss], [.. magnitudes, .. theta]);
        return (loss.ToDouble(), grads.Take(magnitudes.Count).ToList(), grads.Skip(magnitudes.Count).ToList());
    }

    /// <summary>[∂_m L_tr(θ + εv) − ∂_m L_tr(θ − εv)] / (2ε), θ restored exactly afterwards.</summary>
    private static IList<Tensor> CentralDifference(
        IReadOnlyList<Tensor> theta, IReadOnlyList<Tensor> magnitudes, Func<Tensor> lowerLoss, IList<Tensor> v, double epsilon, Tensor rng)
    {
        var saved = Snapshot(theta);
        try
        {
            var plus = MagnitudeGradientAt(theta, saved, v, epsilon, magnitudes, lowerLoss, rng);
            var minus = MagnitudeGradientAt(theta, saved, v, -epsilon, magnitudes, lowerLoss, rng);
            return plus.Zip(minus, (p, m) => (p - m) / (2 * epsilon)).ToList();
        }
        finally
        {
            Restore(theta, saved);
        }
    }

    /// <summary>∂_m L_tr at θ = saved + offset·v: a backward pass that asks autograd for m only, so no weight gradients are formed.</summary>
    private static IList<Tensor> MagnitudeGradientAt(
        IReadOnlyList<Tensor> theta, IReadOnlyList<Tensor> saved, IList<Tensor> v, double offset,
        IReadOnlyList<Tensor> magnitudes, Func<Tensor> lowerLoss, Tensor rng)
    {
        using (no_grad())
        {
            for (var i = 0; i < theta.Count; i++) theta[i].copy_(saved[i] + offset * v[i]);
        }
        random.set_rng_state(rng);
        return autograd.grad([lowerLoss()], [.. magnitudes]);
    }

    private static List<Tensor> Snapshot(IReadOnlyList<Tensor> theta) => theta.Select(t => t.detach().clone()).ToList();

    private static void Restore(IReadOnlyList<Tensor> theta, IReadOnlyList<Tensor> saved)
    {
        using var _ = no_grad();
        for (var i = 0; i < theta.Count; i++) theta[i].copy_(saved[i]);
    }

    private static double GlobalNorm(IList<Tensor> tensors) =>
        Math.Sqrt(tensors.Sum(t => t.square().sum().ToDouble()));

    private static HypergradientResult Keep(IList<Tensor> grads, double loss, double norm, double epsilon) =>
        new(grads.Select(g => g.detach().MoveToOuterDisposeScope()).ToList(), loss, norm, epsilon);
}
