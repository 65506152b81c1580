using System.Text.Json.Serialization;

namespace BiDoRA.Engine.Training;

/// <summary>
/// How the backbone is adapted. JSON writes the names users type (full, lora, dora, bidora) under every naming
/// policy, so run.json, the API, the hub and <c>compare</c> agree.
/// </summary>
public enum AdapterMethod
{
    /// <summary>Every weight trains.</summary>
    [JsonStringEnumMemberName("full")]
    Full,
    /// <summary>Frozen W0 plus s·B·A.</summary>
    [JsonStringEnumMemberName("lora")]
    Lora,
    /// <summary>m · (W0 + s·B·A) / ||W0 + s·B·A||, all trained together.</summary>
    [JsonStringEnumMemberName("dora")]
    Dora,
    /// <summary>DoRA's parametrisation, direction and magnitude trained at two levels (Qin, Zhang, Xie 2025).</summary>
    [JsonStringEnumMemberName("bidora")]
    BiDora,
}

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

/// <summary>Which token state feeds the task head.</summary>
public enum Pooling
{
    /// <summary>The &lt;cls&gt; state, as transformers' EsmClassificationHead.</summary>
    Cls,
    /// <summary>The mean over residues (no special tokens, no padding).</summary>
    Mean,
}

/// <summary>Learning-rate decay after warm-up.</summary>
public enum LearningRateSchedule
{
    Linear,
    Cosine,
}

/// <summary>Which checkpoint a run ends with.</summary>
public enum SelectionRule
{
    /// <summary>The last step: a fixed budget for every method, no data spent on choosing.</summary>
    [JsonStringEnumMemberName("last")]
    Last,
    /// <summary>The best evaluation on a held-out selection split (<see cref="RunPlan.SelectionFraction"/>).</summary>
    [JsonStringEnumMemberName("best")]
    Best,
}
