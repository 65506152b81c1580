namespace BiDoRA.Engine.Interop;

/// <summary>
/// File and tensor names of Hugging Face PEFT's saved LoRA/DoRA adapters (peft/utils/save_and_load.py): the adapter
/// name is removed from every key, the wrapped model's parameters sit under <c>base_model.model.</c>, DoRA's
/// magnitude is <c>….lora_magnitude_vector</c> (no <c>.weight</c>), and a <c>modules_to_save</c> module is saved
/// under its own name (<c>base_model.model.classifier.dense.weight</c>).
/// </summary>
internal static class PeftLayout
{
    public const string ConfigFile = "adapter_config.json";
    public const string WeightsFile = "adapter_model.safetensors";
    public const string PickleWeightsFile = "adapter_model.bin";
    public const string Prefix = "base_model.model.";
    public const string LoraA = ".lora_A.weight";
    public const string LoraB = ".lora_B.weight";
    public const string Magnitude = ".lora_magnitude_vector";
    public const string Classifier = "classifier";
    public const string BackbonePrefix = "esm.";

    /// <summary>The workbench's extra key in adapter_config.json: problem type and class names (PEFT drops unknown keys).</summary>
    public const string LabelsKey = "bidora_labels";

    /// <summary>The classification head's tensors as EsmClassificationHead names them.</summary>
    public static IReadOnlyList<string> HeadTensors { get; } = ["dense.weight", "dense.bias", "out_proj.weight", "out_proj.bias"];
}
