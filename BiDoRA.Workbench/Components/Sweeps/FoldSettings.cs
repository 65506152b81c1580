using BiDoRA.Engine.Data;

namespace BiDoRA.Workbench.Components.Sweeps;

/// <summary>
/// The New-sweep form's cross-validation fields: K folds (empty: the dataset's own split) and, optionally,
/// homology-aware folds at a sequence identity (MMseqs2), as <c>sweep --folds K --cluster-identity X</c>.
/// </summary>
public sealed class FoldSettings
{
    public int? Folds { get; set; }

    /// <summary>Keep similar sequences in one fold.</summary>
    public bool Homology { get; set; }

    public double? Identity { get; set; } = SequenceClustering.DefaultIdentity;

    /// <summary>Folds per seed in the plan: K, or 1 without cross-validation.</summary>
    public int PerSeed => Folds is > 0 and var k ? k : 1;

    /// <summary>The request's clusterIdentity: only with folds and the option on.</summary>
    public double? ClusterIdentity => Folds is not null && Homology ? Identity ?? SequenceClustering.DefaultIdentity : null;
}
