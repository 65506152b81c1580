namespace BiDoRA.Engine.Design;

/// <summary>How the base model scores a variant without labels.</summary>
public enum ZeroShotMethod
{
    /// <summary>Meier et al. 2021: log p(mt) − log p(wt) with the position masked, summed over mutated positions; one pass per position.</summary>
    MaskedMarginal,

    /// <summary>The same difference read from one unmasked pass over the wild type.</summary>
    WildTypeMarginal,
}
