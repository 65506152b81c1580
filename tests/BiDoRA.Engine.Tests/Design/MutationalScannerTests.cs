using BiDoRA.Engine.Design;

namespace BiDoRA.Engine.Tests.Design;

public sealed class MutationalScannerTests(TrainedRunsFixture runs) : IClassFixture<TrainedRunsFixture>
{
    private const string Peptide = "GLFDIVKKVVGALGSL";

    [Fact]
    public void Scan_has_19_cells_per_position_and_equals_predict_on_each_sampled_variant()
    {
        var scan = new MutationalScanner([runs.Run]).Scan(Peptide.ToLowerInvariant());
        Assert.Equal(Peptide, scan.WildType);
        Assert.Equal(19 * Peptide.Length, scan.Cells.Count);
        Assert.Equal(scan.Cells.Count, scan.Cells.Select(c => c.Mutation).Distinct().Count());
        Assert.All(scan.Cells, c => Assert.NotEqual(c.WildType, c.Residue));
        Assert.All(Enumerable.Range(1, Peptide.Length), p => Assert.Equal(19, scan.Cells.Count(c => c.Position == p)));

        var wt = runs.Run.Predict([Peptide])[0].Probabilities![1];
        Assert.Equal(wt, scan.WildTypeScore, 1e-5);
        var sample = scan.Cells.Where((_, i) => i % 23 == 0).ToList();
        foreach (var cell in sample)
        {
            var mutant = Peptide[..(cell.Position - 1)] + cell.Residue + Peptide[cell.Position..];
            var p = runs.Run.Predict([mutant])[0].Probabilities![1];
            Assert.Equal(p, cell.Score, 1e-5);
            Assert.Equal(p - wt, cell.Effect, 1e-5);
        }
        Assert.Null(scan.Cells[0].Sd);
    }

    [Fact]
    public void Fixed_positions_and_allowed_residues_are_honoured()
    {
        var constraints = MutationConstraints.Parse("1,4-6", "2:AKW;10:D", Peptide.Length);
        var scan = new MutationalScanner([runs.Run]).Scan(Peptide, constraints);
        Assert.DoesNotContain(scan.Cells, c => c.Position is 1 or 4 or 5 or 6);
        Assert.Equal("AKW", new string(scan.Cells.Where(c => c.Position == 2).Select(c => c.Residue).ToArray()));
        // Position 10 is V: D is the only residue allowed there.
        Assert.Equal("D", new string(scan.Cells.Where(c => c.Position == 10).Select(c => c.Residue).ToArray()));
        Assert.Equal(19 * (Peptide.Length - 6) + 3 + 1, scan.Cells.Count);

        var design = DesignSearch.Run(new MutationalScanner([runs.Run]), scan, new DesignOptions { MaxMutations = 3, BeamWidth = 3, PoolSize = 8 });
        foreach (var candidate in design.Candidates)
        {
            var variant = VariantNotation.Parse(candidate.Mutations, Peptide);
            Assert.All(variant.Substitutions, s => Assert.True(constraints.Allows(s), $"{s} breaks the constraints"));
        }
    }

    [Theory]
    [InlineData("0", null, "outside the sequence")]
    [InlineData("3-x", null, "is not a position or a range")]
    [InlineData(null, "2:AJ", "'J' is not one of the 20 standard residues")]
    [InlineData(null, "2AK", "is not position:letters")]
    [InlineData(null, "99:A", "position 99 is outside")]
    public void Bad_constraints_are_refused_naming_the_part(string? fixedPositions, string? allowed, string expected)
    {
        var e = Assert.Throws<FormatException>(() => MutationConstraints.Parse(fixedPositions, allowed, Peptide.Length));
        Assert.Contains(expected, e.Message);
    }

    [Fact]
    public void Greedy_and_beam_rounds_list_candidates_whose_scores_are_their_predictions()
    {
        var scanner = new MutationalScanner([runs.Run]);
        var scan = scanner.Scan(Peptide);
        var greedy = DesignSearch.Run(scanner, scan, new DesignOptions { MaxMutations = 3, PoolSize = 10 });
        Assert.Equal([1, 2, 3], greedy.Candidates.Select(c => c.Distance).Order());
        var bestSingle = scan.Best(1)[0];
        Assert.Equal(bestSingle.Mutation, greedy.Candidates.Single(c => c.Round == 1).Mutations);
        // Greedy extends its own previous pick.
        var byRound = greedy.Candidates.OrderBy(c => c.Round).ToList();
        Assert.All(byRound.Skip(1).Zip(byRound), pair => Assert.All(pair.Second.Mutations.Split(':'), m => Assert.Contains(m, pair.First.Mutations.Split(':'))));

        var beam = DesignSearch.Run(scanner, scan, new DesignOptions { MaxMutations = 2, BeamWidth = 4, PoolSize = 6 });
        Assert.Equal(4 + 4, beam.Candidates.Count);
        Assert.True(beam.Candidates.Max(c => c.Score) >= greedy.Candidates.Where(c => c.Distance <= 2).Max(c => c.Score) - 1e-9);
        foreach (var c in beam.Candidates)
        {
            Assert.Equal(runs.Run.Predict([c.Sequence])[0].Probabilities![1], c.Score, 1e-5);
            Assert.Equal(c.Score - scan.WildTypeScore, c.Effect, 1e-12);
            Assert.Equal(c.Distance, c.Sequence.Zip(Peptide).Count(p => p.First != p.Second));
        }
        Assert.Equal(beam.Candidates.OrderByDescending(c => c.Score).Select(c => c.Score), beam.Candidates.Select(c => c.Score));

        var lowest = DesignSearch.Run(scanner, scan, new DesignOptions { MaxMutations = 1, PoolSize = 5, Lowest = true });
        Assert.Equal(scan.Best(1, lowest: true)[0].Mutation, lowest.Candidates.Single().Mutations);
    }

    [Fact]
    public void An_ensemble_scores_the_members_mean_with_their_sd()
    {
        var scan = new MutationalScanner(runs.Predictors).Scan(Peptide[..8]);
        Assert.Equal(2, scan.Members);
        var cell = scan.Cells[5];
        var mutant = Peptide[..(cell.Position - 1)] + cell.Residue + Peptide[cell.Position..8];
        var members = runs.Predictors.Select(p => p.Predict([mutant])[0].Probabilities![1]).ToArray();
        var wts = runs.Predictors.Select(p => p.Predict([Peptide[..8]])[0].Probabilities![1]).ToArray();
        Assert.Equal(members.Average(), cell.Score, 1e-5);
        var effects = members.Zip(wts, (m, w) => m - w).ToArray();
        Assert.Equal(Math.Abs(effects[0] - effects[1]) / Math.Sqrt(2), cell.Sd!.Value, 1e-5);
        Assert.Equal(Math.Abs(wts[0] - wts[1]) / Math.Sqrt(2), scan.WildTypeSd!.Value, 1e-5);
    }

    [Fact]
    public void Results_are_cached_per_key()
    {
        var cache = new ResultCache<ScanResult>(2);
        var calls = 0;
        ScanResult Compute() { calls++; return new MutationalScanner([runs.Run]).Scan("ACDK"); }
        var a = cache.GetOrAdd("run1|ACDK", Compute);
        var b = cache.GetOrAdd("run1|ACDK", Compute);
        Assert.Same(a, b);
        Assert.Equal(1, calls);
        cache.GetOrAdd("run2|ACDK", Compute);
        cache.GetOrAdd("run3|ACDK", Compute);
        Assert.Equal(2, cache.Count);
        Assert.False(cache.TryGet("run1|ACDK", out _));
        cache.Forget("run2|");
        Assert.Equal(1, cache.Count);
    }
}
