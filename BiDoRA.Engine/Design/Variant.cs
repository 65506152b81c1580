namespace BiDoRA.Engine.Design;

/// <summary>A set of substitutions at distinct positions, in position order; written <c>A23G:K45R</c> (ProteinGym's notation).</summary>
public sealed class Variant
{
    public Variant(IReadOnlyList<Substitution> substitutions)
    {
        Substitutions = [.. substitutions.OrderBy(s => s.Position)];
    }

    public IReadOnlyList<Substitution> Substitutions { get; }

    /// <summary>Number of substituted positions: the Hamming distance from the wild type.</summary>
    public int Distance => Substitutions.Count;

    /// <summary>The wild type with these substitutions made (the caller has checked they fit it).</summary>
    public string Apply(string wildType)
    {
        var chars = wildType.ToCharArray();
        foreach (var s in Substitutions) chars[s.Position - 1] = s.To;
        return new string(chars);
    }

    public override string ToString() => Substitutions.Count == 0 ? "WT" : string.Join(':', Substitutions);
}
