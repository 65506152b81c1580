namespace BiDoRA.Engine.Design;

/// <summary>
/// Design rounds: greedy (beam 1) or beam search over combinations of a scan's best singles. Round r adds one single from
/// the pool, at a position not yet substituted, to each kept candidate; all new combinations are predicted in one batch
/// and the best <see cref="DesignOptions.BeamWidth"/> are kept. The scan's constraints hold because the pool comes from
/// its cells. Each round's kept candidates are reported.
/// </summary>
public static class DesignSearch
{
    /// <summary>Most singles of one position in the pool.</summary>
    public const int MaxPerPosition = 3;

    public static DesignResult Run(MutationalScanner scanner, ScanResult scan, DesignOptions options, IProgress<double>? progress = null, CancellationToken cancellationToken = default)
    {
        options.Validate();
        // At most a few singles per position, so that a pool is not spent on one hot spot that can only be used once.
        var pool = scan.Best(scan.Cells.Count, options.Lowest)
            .GroupBy(c => c.Position).SelectMany(g => g.Take(MaxPerPosition))
            .OrderByDescending(c => options.Lowest ? -c.Effect : c.Effect).ThenBy(c => c.Position)
            .Take(options.PoolSize)
            .Select(c => new Substitution(c.Position, c.WildType, c.Residue)).ToList();
        var sign = options.Lowest ? -1.0 : 1.0;
        var beam = new List<List<Substitution>> { new() };
        var kept = new List<DesignCandidate>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var evaluated = 0;
        for (var round = 1; round <= options.MaxMutations; round++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var next = new List<List<Substitution>>();
            foreach (var parent in beam)
            {
                foreach (var s in pool)
                {
                    if (parent.Any(p => p.Position == s.Position)) continue;
                    var child = parent.Append(s).OrderBy(x => x.Position).ToList();
                    if (seen.Add(string.Join(':', child))) next.Add(child);
                }
            }
            if (next.Count == 0) break;
            var sequences = next.Select(c => new Variant(c).Apply(scan.WildType)).ToList();
            var scores = scanner.Score(sequences, null, cancellationToken);
            evaluated += next.Count;
            var ranked = Enumerable.Range(0, next.Count).OrderByDescending(i => sign * scores[i].Mean).ThenBy(i => string.Join(':', next[i])).Take(options.BeamWidth).ToList();
            beam = ranked.Select(i => next[i]).ToList();
            kept.AddRange(ranked.Select(i => new DesignCandidate(new Variant(next[i]).ToString(), sequences[i], next[i].Count, scores[i].Mean, scores[i].Mean - scan.WildTypeScore, scores[i].Sd, round)));
            progress?.Report((double)round / options.MaxMutations);
        }
        var strategy = options.BeamWidth == 1 ? $"greedy, up to {options.MaxMutations} mutations from the best {pool.Count} singles (at most {MaxPerPosition} per position)"
            : $"beam {options.BeamWidth}, up to {options.MaxMutations} mutations from the best {pool.Count} singles (at most {MaxPerPosition} per position)";
        return new DesignResult(scan.WildType, scan.Target, scan.WildTypeScore, strategy,
            [.. kept.OrderByDescending(c => sign * c.Score).ThenBy(c => c.Distance)], evaluated);
    }
}
