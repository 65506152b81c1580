using BiDoRA.Engine.Data;
using BiDoRA.Engine.Training;

namespace BiDoRA.Benchmarks;

/// <summary>Random protein sequences with random binary labels: the benchmark's inputs (speed does not depend on them).</summary>
internal static class SyntheticData
{
    private const string Residues = "ACDEFGHIKLMNPQRSTVWY";

    /// <summary><paramref name="count"/> sequences of exactly <paramref name="residues"/> residues.</summary>
    public static List<LabeledSequence> FixedLength(int count, int residues, int seed) =>
        Make(count, seed, _ => residues);

    /// <summary>Sequences whose lengths are uniform in [<paramref name="minResidues"/>, <paramref name="maxResidues"/>].</summary>
    public static List<LabeledSequence> VariableLength(int count, int minResidues, int maxResidues, int seed)
    {
        var lengths = new Random(seed + 7919);
        return Make(count, seed, _ => lengths.Next(minResidues, maxResidues + 1));
    }

    /// <summary>Train and validation parts for one shape, enough for a few epochs' worth of distinct batches.</summary>
    public static TrainingData Training(int batchSize, int tokensPerSequence, int seed)
    {
        var residues = Math.Max(1, tokensPerSequence - 2);
        return new TrainingData(TaskKind.Binary, ["0", "1"],
            FixedLength(batchSize * 4, residues, seed),
            FixedLength(batchSize * 4, residues, seed + 1),
            [],
            "benchmark");
    }

    private static List<LabeledSequence> Make(int count, int seed, Func<int, int> length)
    {
        var random = new Random(seed);
        var result = new List<LabeledSequence>(count);
        for (var i = 0; i < count; i++)
        {
            var chars = new char[length(i)];
            for (var k = 0; k < chars.Length; k++) chars[k] = Residues[random.Next(Residues.Length)];
            result.Add(new LabeledSequence($"s{i}", new string(chars), i % 2));
        }
        return result;
    }
}
