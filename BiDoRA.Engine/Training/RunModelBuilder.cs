using BiDoRA.Engine.Adapters;
using BiDoRA.Engine.Esm;
using TorchSharp;
using static TorchSharp.torch;

namespace BiDoRA.Engine.Training;

/// <summary>
/// Puts a run's model together the same way for training and for prediction: the ESM-2 backbone, a task head and the
/// plan's adapters. The order of the steps is fixed, since each draws from the seeded generator.
/// </summary>
internal static class RunModelBuilder
{
    /// <summary>
    /// Adapts <paramref name="esm"/>'s backbone in place and adds a head of <paramref name="classes"/> outputs (1 for
    /// regression). For <paramref name="training"/>, a fresh head with the config's dropout, initialised as
    /// transformers does; otherwise a dropout-free head whose weights the caller loads.
    /// </summary>
    public static (SequenceModel Model, IReadOnlyList<AdaptedModule> Adapted) Build(EsmModel esm, RunPlan plan, int classes, Device device, bool training)
    {
        var config = esm.Config;
        var head = new TaskHead(config.HiddenSize, classes, training ? config.HiddenDropoutProb : 0, plan.Pooling, device, ScalarType.Float32);
        if (training)
        {
            using var _ = no_grad();
            // transformers' _init_weights for the fresh classifier: N(0, initializer_range), zero bias.
            foreach (var (name, p) in head.named_parameters())
            {
                if (name.EndsWith("weight", StringComparison.Ordinal)) p.normal_(0, config.InitializerRange);
                else p.zero_();
            }
        }
        var model = new SequenceModel(esm.Backbone, head);
        return (model, AdapterInjector.Inject(esm.Backbone, plan.ToAdapterOptions()));
    }
}
