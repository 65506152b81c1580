using System.Security.Cryptography;
using BiDoRA.Engine.Adapters;
using BiDoRA.Engine.Checkpoints;
using BiDoRA.Engine.RunFolders;
using BiDoRA.Engine.Training;

namespace BiDoRA.Engine.Tests.Training;

/// <summary>
/// A checkpoint damaged on disk after it was written (a truncated NFS write, a changed byte, a lost file) is refused
/// by a resume, which continues from the checkpoint before it, or from the start, and still ends with exactly the
/// weights of an uninterrupted run.
/// </summary>
public sealed class CheckpointHashTests
{
    private static readonly RunPlan Plan = TrainingTestData.Bbp(AdapterMethod.Dora, "") with { Steps = 6, Dropout = 0.1 };

    [Fact]
    public async Task Every_checkpoint_records_the_sha256_of_its_files_in_sha256sum_format()
    {
        var folder = TrainingTestData.TempRunFolder();
        var result = await new Trainer().RunAsync(Plan with { OutputDirectory = folder });
        Assert.Equal(RunOutcome.Completed, result.Outcome);
        var checkpoints = Directory.GetDirectories(Path.Combine(folder, "checkpoints"), "step-*").Order(StringComparer.Ordinal).ToList();
        Assert.Equal(["step-000004", "step-000006"], checkpoints.Select(Path.GetFileName));
        foreach (var checkpoint in checkpoints)
        {
            var expected = new[] { "state.safetensors", "state.json" }
                .Select(f => $"{Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(Path.Combine(checkpoint, f))))}  {f}");
            Assert.Equal(expected, File.ReadAllLines(Path.Combine(checkpoint, "state.sha256")));
        }
        Assert.Equal((6, checkpoints[1]), RunFolder.LatestCheckpoint(folder));
    }

    [Theory]
    [InlineData("flip", 4)]       // one byte of the newest checkpoint's tensors changed: resume from the one before
    [InlineData("truncate", 4)]   // its tensors cut short (a write the disk never finished)
    [InlineData("delete", 4)]     // its tensor file gone
    [InlineData("both", 0)]       // both kept checkpoints damaged: start over
    public async Task A_damaged_checkpoint_is_refused_naming_its_file_and_the_run_resumes_from_the_one_before(string damage, int resumedFrom)
    {
        var straight = TrainingTestData.TempRunFolder();
        var full = await new Trainer().RunAsync(Plan with { OutputDirectory = straight });
        Assert.True(full.Outcome == RunOutcome.Completed, full.Error);

        var folder = TrainingTestData.TempRunFolder();
        using var cts = new CancellationTokenSource();
        var first = await new Trainer().RunAsync(Plan with { OutputDirectory = folder }, new CancelAt(5, cts), cts.Token);
        Assert.Equal(RunOutcome.Cancelled, first.Outcome);
        var newest = Path.Combine(folder, "checkpoints", "step-000005");
        var older = Path.Combine(folder, "checkpoints", "step-000004");
        Assert.Equal((5, newest), RunFolder.LatestCheckpoint(folder));

        var tensors = Path.Combine(newest, "state.safetensors");
        switch (damage)
        {
            case "flip" or "both":
                Flip(tensors);
                if (damage == "both") Flip(Path.Combine(older, "state.json"));
                break;
            case "truncate":
                using (var stream = new FileStream(tensors, FileMode.Open)) stream.SetLength(stream.Length / 2);
                break;
            case "delete":
                File.Delete(tensors);
                break;
        }
        var refused = new List<string>();
        Assert.Equal(resumedFrom == 0 ? null : (resumedFrom, older), RunFolder.LatestCheckpoint(folder, refused));
        Assert.Equal(damage == "both" ? 2 : 1, refused.Count);
        Assert.StartsWith("Checkpoint step-000005 is not used: " + tensors + (damage == "delete" ? " is missing." : " does not match its recorded SHA-256"), refused[0]);

        var events = new List<TrainingEvent>();
        var resumed = await new Trainer().ResumeAsync(folder, new Collect(events));
        Assert.True(resumed.Outcome == RunOutcome.Completed, resumed.Error);
        var started = Assert.IsType<RunStarted>(events[0]);
        Assert.Equal(refused, started.RefusedCheckpoints);
        Assert.Equal(Enumerable.Range(resumedFrom + 1, 6 - resumedFrom), events.OfType<StepCompleted>().Select(s => s.Step));
        foreach (var file in new[] { RunFolder.AdapterFile, RunFolder.HeadFile })
        {
            using var a = SafetensorsFile.Open(Path.Combine(straight, file));
            using var b = SafetensorsFile.Open(Path.Combine(folder, file));
            foreach (var name in a.Names)
            {
                using var x = a.Read(name);
                using var y = b.Read(name);
                Assert.True(x.eq(y).all().item<bool>(), $"{file}:{name} differs after resuming from step {resumedFrom}");
            }
        }
        // The damaged checkpoint was written again when the run passed its step; the newest one now verifies.
        Assert.Equal(6, RunFolder.LatestCheckpoint(folder)?.Step);
    }

    [Fact]
    public void A_checkpoint_written_before_hashes_were_recorded_is_still_resumed_from()
    {
        var folder = TrainingTestData.TempRunFolder();
        var checkpoint = Path.Combine(folder, "checkpoints", "step-000003");
        Directory.CreateDirectory(checkpoint);
        File.WriteAllText(Path.Combine(checkpoint, "state.json"), "{}");
        Assert.Equal((3, checkpoint), RunFolder.LatestCheckpoint(folder));
    }

    private static void Flip(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.ReadWrite);
        stream.Position = stream.Length / 2;
        var b = stream.ReadByte();
        stream.Position = stream.Length / 2;
        stream.WriteByte((byte)(b ^ 0x01));
    }

    private sealed class CancelAt(int step, CancellationTokenSource cts) : IProgress<TrainingEvent>
    {
        public void Report(TrainingEvent value)
        {
            if (value is StepCompleted s && s.Step == step) cts.Cancel();
        }
    }

    private sealed class Collect(List<TrainingEvent> sink) : IProgress<TrainingEvent>
    {
        public void Report(TrainingEvent value)
        {
            lock (sink) sink.Add(value);
        }
    }
}
