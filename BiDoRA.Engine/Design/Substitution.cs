namespace BiDoRA.Engine.Design;

/// <summary>One residue replaced by another: <c>A23G</c> (1-based position).</summary>
public sealed record Substitution(int Position, char From, char To)
{
    public override string ToString() => $"{From}{Position}{To}";
}
