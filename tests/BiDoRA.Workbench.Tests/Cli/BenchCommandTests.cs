using System.Text.Json;

namespace BiDoRA.Workbench.Tests.Cli;

/// <summary><c>bench</c> on the tiny model: every field of the JSON is there with a sane value; bad options exit 2.</summary>
public sealed class BenchCommandTests
{
    private static readonly string[] Methods = ["full", "lora", "dora", "bidora-first-order", "bidora-finite-difference", "bidora-unrolled"];

    [Fact]
    public async Task Tiny_model_reports_every_method_inference_prediction_memory_and_markdown()
    {
        var markdown = Path.Combine(Path.GetTempPath(), Guid.NewGuid().ToString("N") + ".md");
        var appendix = Path.Combine(Path.GetTempPath(), Guid.NewGuid().ToString("N") + ".md");
        await File.WriteAllTextAsync(appendix, "## Speed work log\n\nkept by hand\n");
        var (code, stdout, stderr) = await CliRunner.RunAsync("bench", "--models", "tiny@2x12", "--steps", "2", "--warmup", "1", "--inference-batches", "2",
            "--matmul-sizes", "32,64", "--predict-model", "tiny", "--predict-count", "40", "--memory-steps", "100", "--memory-model", "tiny@2x8",
            "--threads", "1", "--markdown", markdown, "--markdown-appendix", appendix);
        Assert.True(code == 0, stderr + stdout);
        using var json = JsonDocument.Parse(stdout);
        var root = json.RootElement;

        var machine = root.GetProperty("machine");
        Assert.True(machine.GetProperty("logicalCores").GetInt32() >= 1);
        Assert.Equal(1, machine.GetProperty("torchThreads").GetInt32());
        Assert.False(string.IsNullOrWhiteSpace(machine.GetProperty("cpu").GetString()));
        Assert.Equal("cpu", machine.GetProperty("device").GetString());

        var matmul = root.GetProperty("matmul");
        Assert.Equal([32, 64], matmul.GetProperty("sizes").EnumerateArray().Select(s => s.GetProperty("size").GetInt32()));
        var peak = matmul.GetProperty("peakGflops").GetDouble();
        Assert.True(peak > 0 && double.IsFinite(peak));

        var model = Assert.Single(root.GetProperty("models").EnumerateArray());
        Assert.Equal("tiny", model.GetProperty("model").GetString());
        Assert.Equal(2, model.GetProperty("batchSize").GetInt32());
        Assert.Equal(12, model.GetProperty("sequenceLength").GetInt32());
        Assert.Equal(2, model.GetProperty("layers").GetInt32());
        Assert.True(model.GetProperty("parameters").GetInt64() > 0);
        var inference = model.GetProperty("inference");
        Assert.Equal(2, inference.GetProperty("batchSeconds").GetProperty("samples").GetArrayLength());
        Assert.Equal(12.0, inference.GetProperty("tokensPerSecond").GetDouble() / inference.GetProperty("sequencesPerSecond").GetDouble(), 6);
        Assert.True(inference.GetProperty("flopsPerBatch").GetDouble() > 0);

        var methods = model.GetProperty("methods").EnumerateArray().ToDictionary(m => m.GetProperty("method").GetString()!);
        Assert.Equal(Methods, methods.Keys);
        foreach (var (name, m) in methods)
        {
            var step = m.GetProperty("stepSeconds");
            Assert.Equal(2, step.GetProperty("samples").GetArrayLength());
            var median = step.GetProperty("median").GetDouble();
            Assert.True(median > 0 && step.GetProperty("min").GetDouble() <= median && median <= step.GetProperty("max").GetDouble(), name);
            Assert.True(m.GetProperty("tokensPerSecond").GetDouble() > 0, name);
            Assert.True(m.GetProperty("flopsPerStep").GetDouble() > 0, name);
            Assert.Equal(m.GetProperty("flopsPerStep").GetDouble() / median / 1e9, m.GetProperty("gflops").GetDouble(), 6);
            Assert.Equal(m.GetProperty("gflops").GetDouble() / peak, m.GetProperty("fractionOfMatmulPeak").GetDouble(), 6);
            Assert.True(m.GetProperty("ratioToDora").GetDouble() > 0, name);
            Assert.True(m.GetProperty("peakResidentBytes").GetInt64() > 10L << 20, name);
            Assert.Equal(JsonValueKind.Null, m.GetProperty("peakCudaBytes").ValueKind);
            Assert.True(m.GetProperty("trainableParameters").GetInt64() > 0, name);
        }
        Assert.Equal(1.0, methods["dora"].GetProperty("ratioToDora").GetDouble());
        // Shapes alone fix the FLOPs: full fine-tuning adds weight gradients; each hypergradient mode adds passes.
        double Flops(string name) => methods[name].GetProperty("flopsPerStep").GetDouble();
        Assert.True(Flops("full") > Flops("lora"));
        Assert.True(Flops("bidora-first-order") > Flops("dora") && Flops("bidora-finite-difference") > Flops("bidora-first-order") && Flops("bidora-unrolled") > Flops("bidora-finite-difference"));
        Assert.True(methods["full"].GetProperty("trainableParameters").GetInt64() > methods["dora"].GetProperty("trainableParameters").GetInt64());

        var prediction = root.GetProperty("prediction");
        Assert.Equal(40, prediction.GetProperty("sequences").GetInt32());
        Assert.True(prediction.GetProperty("sequencesPerSecond").GetDouble() > 0);

        var memory = root.GetProperty("memory");
        Assert.Equal(100, memory.GetProperty("steps").GetInt32());
        Assert.Equal(8, memory.GetProperty("sequenceLength").GetInt32());
        var samples = memory.GetProperty("samples").EnumerateArray().ToList();
        Assert.Contains(samples, s => s.GetProperty("step").GetInt32() == 100);
        Assert.All(samples, s => Assert.True(s.GetProperty("residentBytes").GetInt64() > 0 && s.GetProperty("liveTensors").GetInt64() > 0));
        Assert.Equal(0, memory.GetProperty("liveTensorGrowth").GetInt64());

        Assert.Empty(root.GetProperty("ablations").EnumerateArray());
        Assert.True(root.GetProperty("durationSeconds").GetDouble() > 0);

        var text = await File.ReadAllTextAsync(markdown);
        Assert.Contains("## Machine", text);
        Assert.Contains("| bidora-finite-difference |", text);
        Assert.Contains("## Memory along a BiDoRA run", text);
        Assert.EndsWith("kept by hand\n\n", text);
    }

    [Theory]
    [InlineData("--models", "esm2_t99_1T", "not in the catalog")]
    [InlineData("--models", "tiny@8by128", "BxT")]
    [InlineData("--methods", "bidora-second-order", "Unknown method")]
    [InlineData("--memory-steps", "50", "at least 100 steps")]
    [InlineData("--steps", "0", "Steps must be positive")]
    public async Task Bad_options_exit_2_and_say_what_is_wrong(string option, string value, string message)
    {
        string[] args = option == "--models" ? ["bench", option, value] : ["bench", "--models", "tiny", option, value];
        var (code, stdout, stderr) = await CliRunner.RunAsync(args);
        Assert.Equal(2, code);
        Assert.Empty(stdout);
        Assert.Contains(message, stderr);
    }
}
