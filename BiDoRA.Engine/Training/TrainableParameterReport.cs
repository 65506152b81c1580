using BiDoRA.Engine.Adapters;
using static TorchSharp.torch;

namespace BiDoRA.Engine.Training;

/// <summary>
/// Trainable parameters by group. The BiDoRA and DoRA papers' #Params column counts the adapters and magnitudes,
/// not the task head; <see cref="PaperCount"/> follows that, <see cref="Total"/> counts everything that trains.
/// </summary>
public sealed record TrainableParameterReport(IReadOnlyList<ParameterGroup> Groups)
{
    public long Total => Groups.Sum(g => g.Count);

    public long PaperCount => Groups.Where(g => g.Name != HeadGroup).Sum(g => g.Count);

    public const string AdapterGroup = "lora_A+lora_B";
    public const string MagnitudeGroup = "magnitude";
    public const string HeadGroup = "head";
    public const string BackboneGroup = "backbone";

    public static TrainableParameterReport Build(nn.Module backbone, IReadOnlyList<AdaptedModule> adapted, nn.Module? head)
    {
        var adapter = adapted.Sum(a => a.Layer.LoraA.numel() + a.Layer.LoraB.numel());
        var magnitude = adapted.Select(a => a.Layer).OfType<DoraLinear>().Sum(d => d.Magnitude.numel());
        var adapterParameters = adapted.SelectMany(a => a.Layer.parameters()).Select(p => p.Handle).ToHashSet();
        var full = backbone.parameters().Where(p => p.requires_grad && !adapterParameters.Contains(p.Handle)).Sum(p => p.numel());
        var groups = new List<ParameterGroup>();
        if (full > 0) groups.Add(new ParameterGroup(BackboneGroup, full));
        if (adapter > 0) groups.Add(new ParameterGroup(AdapterGroup, adapter));
        if (magnitude > 0) groups.Add(new ParameterGroup(MagnitudeGroup, magnitude));
        if (head != null) groups.Add(new ParameterGroup(HeadGroup, head.parameters().Sum(p => p.numel())));
        return new TrainableParameterReport(groups);
    }
}
