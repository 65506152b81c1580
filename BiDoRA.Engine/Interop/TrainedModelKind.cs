namespace BiDoRA.Engine.Interop;

/// <summary>The folder layouts a trained model is read from.</summary>
public enum TrainedModelKind
{
    /// <summary>A workbench run folder: run.json, adapter.safetensors or model.safetensors, head.safetensors.</summary>
    RunFolder,

    /// <summary>A Hugging Face PEFT LoRA/DoRA adapter: adapter_config.json and adapter_model.safetensors.</summary>
    PeftAdapter,

    /// <summary>A transformers EsmForSequenceClassification folder: config.json, model.safetensors, vocab.txt.</summary>
    MergedModel,
}
