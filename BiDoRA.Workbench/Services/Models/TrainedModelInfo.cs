using BiDoRA.Engine.Adapters;
using BiDoRA.Engine.Data;
using BiDoRA.Engine.Interop;
using BiDoRA.Engine.Training;

namespace BiDoRA.Workbench.Services.Models;

/// <summary>A trained model imported into the workbench (a PEFT adapter or a merged transformers folder), as the Models and Predict pages show it.</summary>
/// <param name="Id">What prediction takes in place of a run id: "trained:" + name.</param>
/// <param name="BaseModel">The base it applies to: a model library name, a catalog name, or for a merged folder itself.</param>
/// <param name="Source">The folder it was copied from.</param>
public sealed record TrainedModelInfo(
    string Name,
    string Id,
    TrainedModelKind Kind,
    AdapterMethod? Method,
    string BaseModel,
    TaskKind Task,
    IReadOnlyList<string>? ClassNames,
    string Source,
    DateTimeOffset ImportedAt)
{
    public const string IdPrefix = "trained:";

    /// <summary>"PEFT DoRA adapter on esm2_t6_8M_UR50D", "merged transformers model".</summary>
    public string Description => Kind == TrainedModelKind.PeftAdapter
        ? $"PEFT {Method switch { AdapterMethod.Dora => "DoRA", AdapterMethod.BiDora => "BiDoRA", _ => "LoRA" }} adapter on {BaseModel}"
        : "merged transformers model";
}
