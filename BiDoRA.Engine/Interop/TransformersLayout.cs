namespace BiDoRA.Engine.Interop;

/// <summary>Names of a transformers EsmForSequenceClassification folder (models/esm/modeling_esm.py, configuration_utils.py).</summary>
internal static class TransformersLayout
{
    public const string Architecture = "EsmForSequenceClassification";
    public const string BackbonePrefix = "esm.";
    public const string HeadPrefix = "classifier.";
    public const string ContactHeadPrefix = "esm.contact_head.";
    public const string SpecialTokensFile = "special_tokens_map.json";
    public const string TokenizerConfigFile = "tokenizer_config.json";
    public const string SingleLabel = "single_label_classification";
    public const string Regression = "regression";
    public const string MultiLabel = "multi_label_classification";
}
