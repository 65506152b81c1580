namespace BiDoRA.Engine.Training;

/// <summary>How the upper level's gradient with respect to the magnitudes is formed.</summary>
public enum HypergradientMode
{
    /// <summary>∂L_val/∂m at the just-updated direction.</summary>
    FirstOrder,
    /// <summary>Betty's DARTS finite difference around the updated direction (the reference implementation).</summary>
    FiniteDifference,
    /// <summary>Exact d/dm L_val(θ − ξ∇θ L_tr(θ, m), m) by double back-propagation through one SGD step.</summary>
    Unrolled,
}
