using TorchSharp;
using static TorchSharp.torch;

namespace BiDoRA.Engine.Esm;

/// <summary>
/// ESM-2 backbone plus task head, named as transformers' EsmForSequenceClassification (<c>esm.*</c>,
/// <c>classifier.*</c>), so adapter keys come out in PEFT's layout.
/// </summary>
internal sealed class SequenceModel : nn.Module<Tensor, Tensor, Tensor>
{
    internal readonly EsmBackbone esm;
    internal readonly TaskHead classifier;

    public SequenceModel(EsmBackbone backbone, TaskHead head) : base(nameof(SequenceModel))
    {
        esm = backbone;
        classifier = head;
        RegisterComponents();
    }

    public EsmBackbone Backbone => esm;

    public TaskHead Head => classifier;

    /// <returns>Logits [B, classes], or [B, 1] for regression (in standardised units).</returns>
    public override Tensor forward(Tensor inputIds, Tensor attentionMask)
    {
        using var scope = NewDisposeScope();
        return classifier.call(esm.call(inputIds, attentionMask), attentionMask).MoveToOuterDisposeScope();
    }
}
