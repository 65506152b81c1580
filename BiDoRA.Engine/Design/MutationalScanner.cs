using BiDoRA.Engine.Data;
using BiDoRA.Engine.Esm;
using BiDoRA.Engine.Prediction;

namespace BiDoRA.Engine.Design;

/// <summary>
/// Saturation mutagenesis with trained runs: every allowed single substitution of a sequence predicted in batches by
/// the runs' merged models (<see cref="Predictor"/>). One member is one run; several are an ensemble (a sweep's runs),
/// whose mean is the score and whose sample sd is reported per cell. Members must share task and classes.
/// </summary>
public sealed class MutationalScanner
{
    private readonly IReadOnlyList<Predictor> _members;

    /// <param name="members">One predictor, or an ensemble's (the caller owns them).</param>
    /// <param name="className">Classification: the class whose probability is scored (default: the last, a binary task's positive).</param>
    /// <exception cref="ArgumentException">No members, members of different tasks or classes, or an unknown class.</exception>
    public MutationalScanner(IReadOnlyList<Predictor> members, string? className = null)
    {
        if (members.Count == 0) throw new ArgumentException("A scan needs at least one trained run.", nameof(members));
        var first = members[0];
        foreach (var m in members.Skip(1))
        {
            if (m.Task != first.Task || !(m.ClassNames ?? []).SequenceEqual(first.ClassNames ?? []))
                throw new ArgumentException($"Run {m.RunDirectory} predicts {m.Task} ({string.Join(", ", m.ClassNames ?? [])}), not {first.Task} ({string.Join(", ", first.ClassNames ?? [])}) as {first.RunDirectory} does: an ensemble's runs must share their task.");
        }
        _members = members;
        Target = ScanTarget.For(first, className);
    }

    public ScanTarget Target { get; }

    public int Members => _members.Count;

    /// <summary>Sequences scored per forward pass.</summary>
    public int BatchSize { get; init; } = 64;

    /// <exception cref="ArgumentException">The sequence is empty, too long or holds a character that is not a residue letter.</exception>
    public ScanResult Scan(string sequence, MutationConstraints? constraints = null, IProgress<double>? progress = null, CancellationToken cancellationToken = default)
    {
        var wt = NormaliseSequence(sequence);
        constraints ??= MutationConstraints.None;
        var substitutions = new List<Substitution>(wt.Length * 19);
        for (var p = 1; p <= wt.Length; p++)
        {
            foreach (var r in constraints.Choices(p, wt[p - 1])) substitutions.Add(new Substitution(p, wt[p - 1], r));
        }
        var sequences = new List<string>(substitutions.Count + 1) { wt };
        sequences.AddRange(substitutions.Select(s => new Variant([s]).Apply(wt)));
        var members = ScoreMembers(sequences, progress, cancellationToken);
        var scores = Summarise(members);
        var (wtMean, wtSd) = scores[0];
        var cells = new List<ScanCell>(substitutions.Count);
        for (var i = 0; i < substitutions.Count; i++)
        {
            var mean = scores[i + 1].Mean;
            // The effect's sd is over each member's own difference from its wild type, so a member that shifts every
            // sequence alike adds nothing to it.
            double? sd = _members.Count < 2 ? null : SampleSd(members.Select(m => m[i + 1] - m[0]));
            cells.Add(new ScanCell(substitutions[i].Position, substitutions[i].From, substitutions[i].To, mean, mean - wtMean, sd));
        }
        return new ScanResult(wt, Target.Description, wtMean, wtSd, cells, _members.Count, constraints.Key);
    }

    /// <summary>The target for each sequence: the members' mean and, for an ensemble, their sample sd.</summary>
    public IReadOnlyList<(double Mean, double? Sd)> Score(IReadOnlyList<string> sequences, IProgress<double>? progress = null, CancellationToken cancellationToken = default) =>
        Summarise(ScoreMembers(sequences, progress, cancellationToken));

    private IReadOnlyList<(double Mean, double? Sd)> Summarise(double[][] perMember) =>
        [.. Enumerable.Range(0, perMember[0].Length).Select(i =>
        {
            var values = perMember.Select(m => m[i]).ToArray();
            return (values.Average(), _members.Count < 2 ? (double?)null : SampleSd(values));
        })];

    private double[][] ScoreMembers(IReadOnlyList<string> sequences, IProgress<double>? progress, CancellationToken cancellationToken)
    {
        var perMember = new double[_members.Count][];
        var chunk = Math.Max(1, BatchSize) * 4;
        var total = (double)sequences.Count * _members.Count;
        for (var m = 0; m < _members.Count; m++)
        {
            perMember[m] = new double[sequences.Count];
            for (var start = 0; start < sequences.Count; start += chunk)
            {
                var part = sequences.Skip(start).Take(chunk).ToList();
                var predictions = _members[m].Predict(part, BatchSize, cancellationToken);
                for (var k = 0; k < part.Count; k++) perMember[m][start + k] = Target.Of(predictions[k]);
                progress?.Report((m * sequences.Count + start + part.Count) / total);
            }
        }
        return perMember;
    }

    private static double SampleSd(IEnumerable<double> values)
    {
        var v = values.ToArray();
        var mean = v.Average();
        return Math.Sqrt(v.Sum(x => (x - mean) * (x - mean)) / (v.Length - 1));
    }

    /// <summary>The sequence as a scan reads it (case, white space and a trailing '*' normalised), checked.</summary>
    /// <exception cref="ArgumentException">Empty, longer than ESM-2 reads, or not residue letters.</exception>
    public static string NormaliseSequence(string sequence)
    {
        var s = SequenceNormalizer.Normalise(sequence ?? "");
        if (s.Length == 0) throw new ArgumentException("The sequence is empty.");
        if (SequenceNormalizer.FirstInvalid(s) is { } bad)
            throw new ArgumentException($"Position {bad.Position}: '{bad.Character}' is not an amino-acid letter. Allowed: {SequenceNormalizer.Residues}.");
        if (s.Length > EsmTokenizer.MaxResidues) throw new ArgumentException($"The sequence has {s.Length} residues; ESM-2 reads at most {EsmTokenizer.MaxResidues}.");
        return s;
    }
}
