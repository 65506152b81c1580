
namespace BiDoRA.Engine.Adapters;

/// <summary>How the backbone's linear layers are adapted.</summary>
public sealed record AdapterOptions
{
    public AdapterMethod Method { get; init; } = AdapterMethod.BiDora;

    public int Rank { get; init; } = 8;

    public double Alpha { get; init; } = 16;

    public double Dropout { get; init; }

    /// <summary>
    /// Which Linear layers to wrap: a name matches when it equals a pattern or ends with "." + pattern
    /// ("query" matches esm.encoder.layer.3.attention.self.query); a pattern starting with "regex:" is a regular
    /// expression over the full name. The BiDoRA paper adapts query and value.
    /// </summary>
    public IReadOnlyList<string> TargetModules { get; init; } = ["query", "value"];

    /// <summary>DoRA/BiDoRA only: treat the weight norm as a constant in the backward pass.</summary>
    public bool DetachNorm { get; init; }
}
