using TorchSharp.Modules;
using static TorchSharp.torch;

namespace BiDoRA.Engine.Training;

/// <summary>A set of parameters sharing a learning rate and weight decay.</summary>
internal sealed record ParameterGroupSettings(string Name, IReadOnlyList<Parameter> Parameters, double LearningRate, double WeightDecay);

/// <summary>
/// AdamW as in the reference implementation (transformers' original AdamW): betas (0.9, 0.98), eps 1e-6 added to
/// √v before bias correction (step size lr·√(1−β2ᵗ)/(1−β1ᵗ)), and decoupled weight decay applied AFTER the Adam
/// update (p ← p − lr·wd·p). torch.optim.AdamW decays before the update and adds eps after bias correction;
/// the two differ in the last digits, which matters for parity with the reference. State is exported as named
/// tensors so a resumed run continues bit for bit.
/// </summary>
internal sealed class AdamW : IDisposable
{
    private readonly IReadOnlyList<ParameterGroupSettings> _groups;
    private readonly Dictionary<Parameter, (Tensor ExpAvg, Tensor ExpAvgSq)> _state = new(ReferenceEqualityComparer.Instance);

    public AdamW(IReadOnlyList<ParameterGroupSettings> groups, double beta1 = 0.9, double beta2 = 0.98, double eps = 1e-6)
    {
        _groups = groups;
        (Beta1, Beta2, Eps) = (beta1, beta2, eps);
    }

    public double Beta1 { get; }

    public double Beta2 { get; }

    public double Eps { get; }

    /// <summary>Optimiser steps taken (the bias-correction t).</summary>
    public long StepCount { get; private set; }

    public IReadOnlyList<ParameterGroupSettings> Groups => _groups;

    public IEnumerable<Parameter> Parameters => _groups.SelectMany(g => g.Parameters);

    /// <summary>One update with each group's learning rate multiplied by <paramref name="learningRateFactor"/>.</summary>
    /// <param name="learningRateFactor">The schedule's factor for this step.</param>
    /// <param name="gradients">Gradients in the order of <see cref="Parameters"/>, for gradients not held in .grad
    /// (the upper level's hypergradient); null uses each parameter's .grad.</param>
    public void Step(double learningRateFactor, IReadOnlyList<Tensor>? gradients = null)
    {
        var index = 0;
        StepCount++;
        var correction1 = 1 - Math.Pow(Beta1, StepCount);
        var correction2 = 1 - Math.Pow(Beta2, StepCount);
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        foreach (var group in _groups)
        {
            var lr = group.LearningRate * learningRateFactor;
            var stepSize = lr * Math.Sqrt(correction2) / correction1;
            foreach (var p in group.Parameters)
            {
                var grad = gradients is null ? p.grad : gradients[index];
                index++;
                if (grad is null) continue;
                var (expAvg, expAvgSq) = StateOf(p);
                expAvg.mul_(Beta1).add_(grad, alpha: 1 - Beta1);
                expAvgSq.mul_(Beta2).addcmul_(grad, grad, value: 1 - Beta2);
                using var denom = expAvgSq.sqrt().add_(Eps);
                p.addcdiv_(expAvg, denom, value: -stepSize);
                if (group.WeightDecay != 0 && lr != 0)
                {
                    p.add_(p, alpha: -lr * group.WeightDecay);
                }
            }
        }
    }

    public void ZeroGrad()
    {
        // Each read of .grad makes a new tensor object; the scope frees them now rather than at the next garbage collection.
        using var scope = NewDisposeScope();
        foreach (var p in Parameters)
        {
            if (p.grad is { } g)
            {
                g.zero_();
            }
        }
    }

    /// <summary>State tensors named "g{group}.p{index}.exp_avg"/".exp_avg_sq", plus the step count, for checkpoints.</summary>
    public IReadOnlyDictionary<string, Tensor> ExportState()
    {
        using var scope = NewDisposeScope();
        var state = new Dictionary<string, Tensor> { ["step"] = tensor(new[] { StepCount }).MoveToOuterDisposeScope() };
        for (var g = 0; g < _groups.Count; g++)
        {
            for (var i = 0; i < _groups[g].Parameters.Count; i++)
            {
                var (expAvg, expAvgSq) = StateOf(_groups[g].Parameters[i]);
                state[$"g{g}.p{i}.exp_avg"] = expAvg.detach().cpu().clone().MoveToOuterDisposeScope();
                state[$"g{g}.p{i}.exp_avg_sq"] = expAvgSq.detach().cpu().clone().MoveToOuterDisposeScope();
            }
        }
        return state;
    }

    public void ImportState(Func<string, Tensor> read)
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        StepCount = read("step").item<long>();
        for (var g = 0; g < _groups.Count; g++)
        {
            for (var i = 0; i < _groups[g].Parameters.Count; i++)
            {
                var (expAvg, expAvgSq) = StateOf(_groups[g].Parameters[i]);
                expAvg.copy_(read($"g{g}.p{i}.exp_avg"));
                expAvgSq.copy_(read($"g{g}.p{i}.exp_avg_sq"));
            }
        }
    }

    private (Tensor ExpAvg, Tensor ExpAvgSq) StateOf(Parameter p)
    {
        if (!_state.TryGetValue(p, out var state))
        {
            state = (zeros_like(p).DetachFromDisposeScope(), zeros_like(p).DetachFromDisposeScope());
            _state[p] = state;
        }
        return state;
    }

    public void Dispose()
    {
        foreach (var (a, b) in _state.Values)
        {
            a.Dispose();
            b.Dispose();
        }
        _state.Clear();
    }
}
