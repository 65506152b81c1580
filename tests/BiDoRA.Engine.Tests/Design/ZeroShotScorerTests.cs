using BiDoRA.Engine.Design;
using BiDoRA.Engine.Esm;
using static TorchSharp.torch;

namespace BiDoRA.Engine.Tests.Design;

public sealed class ZeroShotScorerTests
{
    private static string FixtureModel => Path.Combine(TestPaths.Fixtures, "esm2-tiny-a", "model");

    private const string WildType = "MKTAYIAKQRQISFVKSHFSRQ";

    [Fact]
    public void Masked_marginal_matches_the_models_own_masked_LM_logits_position_by_position()
    {
        using var scorer = ZeroShotScorer.Load(FixtureModel, "cpu");
        var variants = VariantList.Parse("K2R A4G:Y5F M1W:Q22E T3T", WildType);
        var scoring = scorer.Score(WildType, variants, ZeroShotMethod.MaskedMarginal, batchSize: 5);

        // The reference: the fixture model in float64, one sequence per pass with <mask> written inline.
        using var model = EsmModel.FromPretrained(FixtureModel, CPU, ScalarType.Float64).Model;
        var tokenizer = model.Tokenizer;
        double[] Reference(int position)
        {
            using var scope = NewDisposeScope();
            using var noGrad = no_grad();
            var masked = WildType[..(position - 1)] + EsmTokenizer.MaskText + WildType[position..];
            using var batch = tokenizer.EncodeBatch([masked]);
            return nn.functional.log_softmax(model.call(batch.InputIds, batch.AttentionMask)[0, position], -1).data<double>().ToArray();
        }
        int Id(char c) => tokenizer.Encode(c.ToString())[1];

        Assert.Equal(20 * WildType.Length, scoring.Cells.Count);
        for (var position = 1; position <= WildType.Length; position++)
        {
            var logp = Reference(position);
            foreach (var cell in scoring.Cells.Where(c => c.Position == position))
            {
                Assert.Equal(logp[Id(cell.Residue)] - logp[Id(WildType[position - 1])], cell.Effect, 1e-4);
            }
        }
        var expected = new[]
        {
            Reference(2)[Id('R')] - Reference(2)[Id('K')],
            Reference(4)[Id('G')] - Reference(4)[Id('A')] + Reference(5)[Id('F')] - Reference(5)[Id('Y')],
            Reference(1)[Id('W')] - Reference(1)[Id('M')] + Reference(22)[Id('E')] - Reference(22)[Id('Q')],
            0.0,
        };
        Assert.Equal(expected.Length, scoring.Scores.Count);
        for (var i = 0; i < expected.Length; i++) Assert.Equal(expected[i], scoring.Scores[i].Score, 1e-4);
        Assert.Null(scoring.Spearman);
    }

    [Fact]
    public void Wild_type_marginal_reads_one_unmasked_pass()
    {
        using var scorer = ZeroShotScorer.Load(FixtureModel, "cpu");
        var scoring = scorer.Score(WildType, VariantList.Parse("K2R", WildType), ZeroShotMethod.WildTypeMarginal);
        var embedding = EsmEmbedder.Load(FixtureModel, EsmPrecision.Float64);
        var logits = embedding.EmbedAsync([WildType]).ToBlockingEnumerable().Single().Logits[2];
        var max = logits.Max();
        var logZ = max + Math.Log(logits.Sum(l => Math.Exp(l - max)));
        var vocabulary = embedding.Vocabulary.ToList();
        var expected = (logits[vocabulary.IndexOf("R")] - logZ) - (logits[vocabulary.IndexOf("K")] - logZ);
        Assert.Equal(expected, scoring.Scores[0].Score, 1e-4);
        embedding.Dispose();
    }

    [Fact]
    public void Spearman_rho_is_reported_against_DMS_scores()
    {
        using var scorer = ZeroShotScorer.Load(FixtureModel, "cpu");
        var plain = scorer.Score(WildType, VariantList.Parse("K2R A4G T3S I6V Q9E", WildType), ZeroShotMethod.WildTypeMarginal);
        // DMS scores ranked exactly as the model ranks them, then exactly reversed.
        var ranked = plain.Scores.Select(s => s.Score).ToArray();
        var csv = "mutant,DMS_score\n" + string.Join("\n", plain.Scores.Select((s, i) => $"{s.Variant},{ranked[i] * 10 + 3}"));
        var same = scorer.Score(WildType, VariantList.Read(new MemoryStream(System.Text.Encoding.UTF8.GetBytes(csv)), "a.csv", WildType), ZeroShotMethod.WildTypeMarginal);
        Assert.Equal(1.0, same.Spearman!.Value, 1e-12);
        Assert.Equal(5, same.WithDmsScore);
        var reversed = "mutant,DMS_score\n" + string.Join("\n", plain.Scores.Select((s, i) => $"{s.Variant},{-ranked[i]}"));
        var opposite = scorer.Score(WildType, VariantList.Read(new MemoryStream(System.Text.Encoding.UTF8.GetBytes(reversed)), "a.csv", WildType), ZeroShotMethod.WildTypeMarginal);
        Assert.Equal(-1.0, opposite.Spearman!.Value, 1e-12);
    }

    [Fact]
    public void A_bad_wild_type_is_refused()
    {
        using var scorer = ZeroShotScorer.Load(FixtureModel, "cpu");
        var e = Assert.Throws<ArgumentException>(() => scorer.Score("MK1T", [], ZeroShotMethod.MaskedMarginal));
        Assert.Contains("position 3", e.Message);
    }
}
