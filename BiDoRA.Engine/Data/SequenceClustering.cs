using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace BiDoRA.Engine.Data;

/// <summary>
/// Sequence identity through MMseqs2 (Steinegger &amp; Söding 2017), the standard tool, rather than alignment code of
/// our own: <c>easy-cluster</c> groups sequences at an identity threshold for homology-aware folds, and
/// <c>easy-search</c> finds each test sequence's nearest training sequence for the leakage audit. The executable is
/// <c>mmseqs</c> on PATH, or the path in BIDORA_MMSEQS.
/// </summary>
public static class SequenceClustering
{
    /// <summary>The identity the issue and the literature use for homology-aware protein splits.</summary>
    public const double DefaultIdentity = 0.4;

    /// <summary>What to tell a user who asked for homology-aware splits without MMseqs2.</summary>
    public const string InstallHint =
        "MMseqs2 is not installed: install it with `apt-get install mmseqs2` (Debian/Ubuntu) or `conda install -c bioconda mmseqs2`, "
        + "or set BIDORA_MMSEQS to the mmseqs executable; until then use the random split.";

    /// <summary>The mmseqs executable, or null when none is found.</summary>
    /// <param name="configured">A path a caller's settings name; when given, it alone is looked at.</param>
    public static string? Executable(string? configured = null)
    {
        if (configured is { Length: > 0 }) return File.Exists(configured) ? configured : null;
        if (Environment.GetEnvironmentVariable("BIDORA_MMSEQS") is { Length: > 0 } fromEnvironment) return File.Exists(fromEnvironment) ? fromEnvironment : null;
        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            var candidate = Path.Combine(dir, "mmseqs");
            if (File.Exists(candidate)) return candidate;
        }
        return null;
    }

    public static bool IsAvailable => Executable() is not null;

    /// <summary>A cluster id per record (same order): members of one cluster share ≥ <paramref name="identity"/> identity with its representative.</summary>
    /// <exception cref="HomologyToolException">MMseqs2 is missing (the message says how to install it) or failed.</exception>
    public static string[] Cluster(IReadOnlyList<SequenceRecord> records, double identity, CancellationToken ct = default)
    {
        if (identity is <= 0 or > 1) throw new ArgumentOutOfRangeException(nameof(identity), identity, "The identity threshold must be in (0, 1].");
        using var work = new WorkFolder();
        var input = work.Fasta("input.fasta", records.Select(r => r.Sequence).ToList());
        Run(ct, "easy-cluster", input, Path.Combine(work.Path, "clusters"), Path.Combine(work.Path, "tmp"),
            "--min-seq-id", identity.ToString("0.###", CultureInfo.InvariantCulture), "-c", "0.8", "--threads", "1", "-v", "1");
        var cluster = new string[records.Count];
        foreach (var line in File.ReadLines(Path.Combine(work.Path, "clusters_cluster.tsv")))
        {
            var fields = line.Split('\t');
            if (fields.Length >= 2 && Index(fields[1]) is { } member) cluster[member] = fields[0];
        }
        // A sequence that mmseqs dropped (too short to seed a search) is a cluster of its own.
        for (var i = 0; i < cluster.Length; i++) cluster[i] ??= "s" + i.ToString(CultureInfo.InvariantCulture);
        return cluster;
    }

    /// <summary>
    /// For every query sequence, the identity of its nearest target sequence: identical residues over the query's
    /// length (MMseqs2's fident × alignment length / query length), 1 for an exact copy, 0 where MMseqs2 finds no hit.
    /// An <c>executable</c> given is used instead of BIDORA_MMSEQS or PATH.
    /// </summary>
    /// <exception cref="HomologyToolException">MMseqs2 is missing or failed.</exception>
    public static double[] NearestIdentity(IReadOnlyList<string> queries, IReadOnlyList<string> targets, CancellationToken ct = default, string? executable = null)
    {
        var nearest = new double[queries.Count];
        if (queries.Count == 0 || targets.Count == 0) return nearest;
        var exact = targets.ToHashSet(StringComparer.Ordinal);
        using var work = new WorkFolder();
        var q = work.Fasta("queries.fasta", queries);
        var t = work.Fasta("targets.fasta", targets);
        var hits = Path.Combine(work.Path, "hits.m8");
        RunWith(executable, ct, "easy-search", q, t, hits, Path.Combine(work.Path, "tmp"), "--format-output", "query,target,fident,alnlen,qlen",
            "-s", "7.5", "--threads", "1", "-v", "1");
        foreach (var line in File.Exists(hits) ? File.ReadLines(hits) : [])
        {
            var f = line.Split('\t');
            if (f.Length < 5 || Index(f[0]) is not { } query) continue;
            var fident = double.Parse(f[2], CultureInfo.InvariantCulture);
            var length = double.Parse(f[3], CultureInfo.InvariantCulture);
            var queryLength = Math.Max(1, double.Parse(f[4], CultureInfo.InvariantCulture));
            nearest[query] = Math.Max(nearest[query], Math.Min(1, fident * length / queryLength));
        }
        for (var i = 0; i < queries.Count; i++) if (exact.Contains(queries[i])) nearest[i] = 1;
        return nearest;
    }

    private static int? Index(string id) =>
        id.Length > 1 && id[0] == 's' && int.TryParse(id.AsSpan(1), NumberStyles.None, CultureInfo.InvariantCulture, out var i) ? i : null;

    private static void Run(CancellationToken ct, params string[] arguments) => RunWith(null, ct, arguments);

    private static void RunWith(string? configured, CancellationToken ct, params string[] arguments)
    {
        var exe = Executable(configured) ?? throw new HomologyToolException(configured is { Length: > 0 } ? $"{configured} does not exist. " + InstallHint : InstallHint);
        var start = new ProcessStartInfo(exe) { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var a in arguments) start.ArgumentList.Add(a);
        using var process = Process.Start(start) ?? throw new HomologyToolException($"{exe} could not be started.");
        var stderr = process.StandardError.ReadToEndAsync(ct);
        _ = process.StandardOutput.ReadToEndAsync(ct);
        try
        {
            process.WaitForExitAsync(ct).GetAwaiter().GetResult();
        }
        catch (OperationCanceledException)
        {
            try { process.Kill(entireProcessTree: true); } catch (InvalidOperationException) { }
            throw;
        }
        if (process.ExitCode != 0)
        {
            var message = stderr.IsCompletedSuccessfully ? stderr.Result.Trim() : "";
            throw new HomologyToolException($"mmseqs {arguments[0]} failed (exit {process.ExitCode}){(message.Length > 0 ? ": " + message[..Math.Min(400, message.Length)] : ".")}");
        }
    }

    /// <summary>A temporary folder for one mmseqs call, deleted afterwards.</summary>
    private sealed class WorkFolder : IDisposable
    {
        public string Path { get; } = Directory.CreateTempSubdirectory("bidora-mmseqs-").FullName;

        /// <summary>Sequences as FASTA with ids s0, s1, ... (their index), so headers never confuse the parser.</summary>
        public string Fasta(string name, IReadOnlyList<string> sequences)
        {
            var path = System.IO.Path.Combine(Path, name);
            var text = new StringBuilder();
            for (var i = 0; i < sequences.Count; i++) text.Append(">s").Append(i.ToString(CultureInfo.InvariantCulture)).Append('\n').Append(sequences[i]).Append('\n');
            File.WriteAllText(path, text.ToString());
            return path;
        }

        public void Dispose()
        {
            try { Directory.Delete(Path, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        }
    }
}
