using BiDoRA.Engine.Data;

namespace BiDoRA.Engine.Tests.Protocol;

/// <summary>
/// Cluster-based folds and the leakage audit through MMseqs2 (Debian's mmseqs2, installed by .ci/run), on a
/// constructed set of near-duplicate families.
/// </summary>
public sealed class HomologyTests
{
    // Eight unrelated 40-residue families, each with three near-copies (one or two substitutions).
    private static List<SequenceRecord> Families()
    {
        var random = new Random(5);
        const string Alphabet = "ACDEFGHIKLMNPQRSTVWY";
        var records = new List<SequenceRecord>();
        for (var family = 0; family < 8; family++)
        {
            var root = new string(Enumerable.Range(0, 40).Select(_ => Alphabet[random.Next(Alphabet.Length)]).ToArray());
            for (var copy = 0; copy < 3; copy++)
            {
                var chars = root.ToCharArray();
                for (var m = 0; m < copy; m++) chars[5 + 13 * m] = chars[5 + 13 * m] == 'A' ? 'C' : 'A';
                records.Add(new SequenceRecord($"f{family}c{copy}", new string(chars), family % 2, "", DatasetSplit.Train));
            }
        }
        return records;
    }

    [Fact]
    public void Near_duplicates_share_a_cluster_and_no_cluster_crosses_a_fold()
    {
        Assert.True(SequenceClustering.IsAvailable, SequenceClustering.InstallHint);
        var records = Families();
        var clusters = SequenceClustering.Cluster(records, SequenceClustering.DefaultIdentity);
        for (var family = 0; family < 8; family++)
        {
            Assert.Single(records.Select((r, i) => (r, i)).Where(x => x.r.Id.StartsWith($"f{family}c", StringComparison.Ordinal)).Select(x => clusters[x.i]).Distinct());
        }
        Assert.Equal(8, clusters.Distinct().Count());

        var folds = CrossValidationFolds.Assign(records, 4, seed: 3, stratify: true, clusters);
        for (var f = 0; f < 4; f++)
        {
            var (train, test) = CrossValidationFolds.Split(records, folds, f);
            var trainClusters = train.Select(r => clusters[records.FindIndex(x => x.Id == r.Id)]).ToHashSet();
            Assert.NotEmpty(test);
            Assert.DoesNotContain(test, r => trainClusters.Contains(clusters[records.FindIndex(x => x.Id == r.Id)]));
        }
        // A random split puts near-copies on both sides; that is what the clusters prevent.
        var random = CrossValidationFolds.Assign(records, 4, seed: 3, stratify: true);
        Assert.Contains(Enumerable.Range(0, 8), family => Enumerable.Range(0, 3).Select(c => random[family * 3 + c]).Distinct().Count() > 1);
    }

    [Fact]
    public void Audit_finds_the_planted_duplicates()
    {
        var records = Families();
        var train = records.Where(r => !r.Id.EndsWith("c2", StringComparison.Ordinal) || r.Id.StartsWith("f0", StringComparison.Ordinal)).Select(r => r.Sequence).ToList();
        // Queries: the c2 copy of families 1–3 (a near-duplicate of training rows), and two unrelated sequences.
        var queries = new List<string> { records[1 * 3 + 2].Sequence, records[2 * 3 + 2].Sequence, records[3 * 3 + 2].Sequence,
            "WWWWWWWWWWPPPPPPPPPPWWWWWWWWWWPPPPPPPPPP", "MKTAYIAKQRQISFVKSHFSRQLEERLGLIEVQAPILSRV" };
        var identity = SequenceClustering.NearestIdentity(queries, train);
        Assert.All(identity.Take(3), v => Assert.InRange(v, 0.94, 1.0));     // 38–39 of 40 residues
        Assert.All(identity.Skip(3), v => Assert.True(v < 0.4, $"identity {v}"));
        Assert.Equal(1.0, SequenceClustering.NearestIdentity([train[0]], train)[0]);
    }
}
