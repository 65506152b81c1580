namespace BiDoRA.Engine.Interop;

/// <summary>What <see cref="RunExporter"/> writes.</summary>
public enum ExportFormat
{
    /// <summary>A PEFT adapter folder: adapter_config.json, adapter_model.safetensors (classifier included), README.md.</summary>
    Peft,

    /// <summary>A transformers EsmForSequenceClassification folder with the adapter merged into the weights.</summary>
    Merged,
}

/// <summary>A finished export.</summary>
/// <param name="Directory">The folder written (full path).</param>
/// <param name="Format">Which layout it has.</param>
/// <param name="Files">The file names in it.</param>
public sealed record ExportResult(string Directory, ExportFormat Format, IReadOnlyList<string> Files);
