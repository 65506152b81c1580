using System.Globalization;
using System.Text.Json;
using BiDoRA.Engine.Checkpoints;
using static TorchSharp.torch;

namespace BiDoRA.Engine.Training;

/// <summary>
/// Periodic checkpoints under checkpoints/step-NNNNNN/ (state.json + state.safetensors). Each is written to a
/// temporary folder and renamed into place, so a crash leaves either the whole checkpoint or none; the newest
/// <see cref="Keep"/> are kept.
/// </summary>
internal sealed class CheckpointStore(string runDirectory)
{
    public const int Keep = 2;
    private const string StateJson = "state.json";
    private const string StateTensors = "state.safetensors";

    public string Root { get; } = Path.Combine(runDirectory, "checkpoints");

    public string Save(CheckpointState state, IReadOnlyDictionary<string, Tensor> tensors)
    {
        Directory.CreateDirectory(Root);
        var final = Path.Combine(Root, "step-" + state.GlobalStep.ToString("D6", CultureInfo.InvariantCulture));
        var temporary = final + ".tmp";
        if (Directory.Exists(temporary)) Directory.Delete(temporary, recursive: true);
        Directory.CreateDirectory(temporary);
        SafetensorsWriter.Write(Path.Combine(temporary, StateTensors), tensors);
        File.WriteAllText(Path.Combine(temporary, StateJson), JsonSerializer.Serialize(state, RunFolder.Json));
        if (Directory.Exists(final)) Directory.Delete(final, recursive: true);
        Directory.Move(temporary, final);
        foreach (var old in Completed().SkipLast(Keep)) Directory.Delete(old, recursive: true);
        return final;
    }

    /// <summary>The newest complete checkpoint, or null.</summary>
    public string? Latest() => Completed().LastOrDefault();

    /// <summary>The global step of the newest complete checkpoint, or null.</summary>
    public int? LatestStep() =>
        Latest() is { } latest && int.TryParse(Path.GetFileName(latest)["step-".Length..], NumberStyles.None, CultureInfo.InvariantCulture, out var step)
            ? step
            : null;

    public static (CheckpointState State, SafetensorsFile Tensors) Open(string checkpoint)
    {
        var state = JsonSerializer.Deserialize<CheckpointState>(File.ReadAllText(Path.Combine(checkpoint, StateJson)), RunFolder.Json)
                    ?? throw new InvalidDataException($"{checkpoint}/{StateJson} is empty.");
        return (state, SafetensorsFile.Open(Path.Combine(checkpoint, StateTensors)));
    }

    private IEnumerable<string> Completed() =>
        Directory.Exists(Root)
            ? Directory.GetDirectories(Root, "step-*")
                .Where(d => !d.EndsWith(".tmp", StringComparison.Ordinal) && File.Exists(Path.Combine(d, StateJson)))
                .Order(StringComparer.Ordinal)
            : [];
}
