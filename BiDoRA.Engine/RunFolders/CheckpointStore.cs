using System.Globalization;
using System.Text.Json;
using BiDoRA.Engine.Checkpoints;
using Microsoft.Extensions.Logging;
using static TorchSharp.torch;

namespace BiDoRA.Engine.RunFolders;

/// <summary>
/// Periodic checkpoints under checkpoints/step-NNNNNN/ (state.json + state.safetensors), and the best weights so far
/// (checkpoints/best.safetensors). Each checkpoint is written to a temporary folder and renamed into place, so a
/// crash leaves either the whole checkpoint or none; the newest <see cref="Keep"/> are kept. Each records the SHA-256
/// of its files (<see cref="CheckpointHashes"/>), and <see cref="Latest"/> passes over one whose files no longer match
/// them for the one before it, so a resume never loads a damaged checkpoint. The tensor keys are
/// this class's business: <c>param.*</c> (trainable parameters), <c>opt.lower.*</c> and <c>opt.upper.*</c>
/// (optimiser state), <c>rng.torch</c> (the generator).
/// </summary>
internal sealed class CheckpointStore(string runDirectory, ILogger? logger = null)
{
    public const int Keep = 2;
    private const string StateJson = "state.json";
    private const string StateTensors = "state.safetensors";
    private const string ParameterPrefix = "param.";
    private const string LowerPrefix = "opt.lower.";
    private const string UpperPrefix = "opt.upper.";
    private const string RngKey = "rng.torch";

    public string Root { get; } = Path.Combine(runDirectory, "checkpoints");

    private string BestFile => Path.Combine(Root, "best.safetensors");

    /// <summary>Writes one checkpoint; the caller keeps ownership of the tensors. <paramref name="extra"/> tensors go in under their own names.</summary>
    public string Save(CheckpointState state, IReadOnlyDictionary<string, Tensor> parameters, IReadOnlyDictionary<string, Tensor> lowerOptimizer,
        IReadOnlyDictionary<string, Tensor>? upperOptimizer, Tensor rngState, IReadOnlyDictionary<string, Tensor>? extra = null)
    {
        var tensors = new Dictionary<string, Tensor>();
        foreach (var (name, value) in parameters) tensors[ParameterPrefix + name] = value;
        foreach (var (name, value) in lowerOptimizer) tensors[LowerPrefix + name] = value;
        if (upperOptimizer is not null) foreach (var (name, value) in upperOptimizer) tensors[UpperPrefix + name] = value;
        using var rng = rngState.to(ScalarType.Int64);   // safetensors has no U8 here
        tensors[RngKey] = rng;
        if (extra is not null) foreach (var (name, value) in extra) tensors[name] = value;

        Directory.CreateDirectory(Root);
        var final = Path.Combine(Root, "step-" + state.GlobalStep.ToString("D6", CultureInfo.InvariantCulture));
        var temporary = final + ".tmp";
        if (Directory.Exists(temporary)) Directory.Delete(temporary, recursive: true);
        Directory.CreateDirectory(temporary);
        SafetensorsWriter.Write(Path.Combine(temporary, StateTensors), tensors);
        RunFolder.WriteDurably(Path.Combine(temporary, StateJson), JsonSerializer.Serialize(state, RunFolder.Json));
        CheckpointHashes.Record(temporary, [StateTensors, StateJson]);
        if (Directory.Exists(final)) Directory.Delete(final, recursive: true);
        Directory.Move(temporary, final);
        foreach (var old in Completed().SkipLast(Keep)) Directory.Delete(old, recursive: true);
        return final;
    }

    /// <summary>
    /// The newest complete checkpoint whose files match their recorded hashes, or null. Each newer one refused is
    /// logged and added to <paramref name="refused"/> (why, naming the file).
    /// </summary>
    public string? Latest(ICollection<string>? refused = null)
    {
        foreach (var candidate in Completed().Reverse())
        {
            if (CheckpointHashes.Problem(candidate) is not { } problem) return candidate;
            var message = $"Checkpoint {Path.GetFileName(candidate)} is not used: {problem}";
            refused?.Add(message);
            logger?.LogWarning("{Message} Looking for an earlier checkpoint.", message);
        }
        return null;
    }

    /// <summary>The global step of the checkpoint <see cref="Latest"/> names, or null.</summary>
    public int? LatestStep() => Latest() is { } latest ? StepOf(latest) : null;

    /// <summary>The global step in a checkpoint folder's name (step-NNNNNN).</summary>
    public static int? StepOf(string checkpoint) =>
        int.TryParse(Path.GetFileName(checkpoint)["step-".Length..], NumberStyles.None, CultureInfo.InvariantCulture, out var step) ? step : null;

    public static Checkpoint Open(string checkpoint)
    {
        var state = JsonSerializer.Deserialize<CheckpointState>(File.ReadAllText(Path.Combine(checkpoint, StateJson)), RunFolder.Json)
                    ?? throw new InvalidDataException($"{checkpoint}/{StateJson} is empty.");
        return new Checkpoint(state, SafetensorsFile.Open(Path.Combine(checkpoint, StateTensors)));
    }

    /// <summary>Replaces the best weights so far.</summary>
    public void SaveBest(IReadOnlyDictionary<string, Tensor> parameters)
    {
        Directory.CreateDirectory(Root);
        SafetensorsWriter.Write(BestFile, parameters);
    }

    /// <summary>The best weights so far (the caller owns them), or null when none were saved.</summary>
    public Dictionary<string, Tensor>? LoadBest()
    {
        if (!File.Exists(BestFile)) return null;
        using var best = SafetensorsFile.Open(BestFile);
        return best.Names.ToDictionary(n => n, n => best.Read(n));
    }

    private IEnumerable<string> Completed() =>
        Directory.Exists(Root)
            ? Directory.GetDirectories(Root, "step-*")
                .Where(d => !d.EndsWith(".tmp", StringComparison.Ordinal) && File.Exists(Path.Combine(d, StateJson)))
                .Order(StringComparer.Ordinal)
            : [];

    /// <summary>One opened checkpoint: its state and readers for its tensors.</summary>
    internal sealed class Checkpoint(CheckpointState state, SafetensorsFile tensors) : IDisposable
    {
        public CheckpointState State { get; } = state;

        public bool HasUpperOptimizer => tensors.Contains(UpperPrefix + "step");

        public Dictionary<string, Tensor> Parameters() =>
            tensors.Names.Where(n => n.StartsWith(ParameterPrefix, StringComparison.Ordinal))
                .ToDictionary(n => n[ParameterPrefix.Length..], n => tensors.Read(n));

        public Tensor LowerOptimizer(string name) => tensors.Read(LowerPrefix + name);

        public Tensor UpperOptimizer(string name) => tensors.Read(UpperPrefix + name);

        public Tensor RngState()
        {
            using var stored = tensors.Read(RngKey);
            return stored.to(ScalarType.Byte);
        }

        /// <summary>A tensor saved under its own name (the extras of <see cref="CheckpointStore.Save"/>).</summary>
        public Tensor Read(string name) => tensors.Read(name);

        public void Dispose() => tensors.Dispose();
    }
}
