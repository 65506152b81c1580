namespace BiDoRA.Engine.Esm;

/// <summary>Which token state feeds the task head.</summary>
public enum Pooling
{
    /// <summary>The &lt;cls&gt; state, as transformers' EsmClassificationHead.</summary>
    Cls,
    /// <summary>The mean over residues (no special tokens, no padding).</summary>
    Mean,
}
