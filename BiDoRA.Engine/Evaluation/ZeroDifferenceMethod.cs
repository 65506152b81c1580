namespace BiDoRA.Engine.Evaluation;

/// <summary>What the signed-rank test does with pairs whose difference is zero.</summary>
public enum ZeroDifferenceMethod
{
    /// <summary>Wilcoxon's original rule (R's and SciPy's default): drop them, rank the rest.</summary>
    Wilcox,
    /// <summary>Pratt (1959): rank them with the others (they take the lowest ranks), then leave their ranks out of W+ and W−.</summary>
    Pratt,
}
