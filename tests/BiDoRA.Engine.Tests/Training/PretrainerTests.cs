using BiDoRA.Engine.Adapters;
using BiDoRA.Engine.Checkpoints;
using BiDoRA.Engine.Data;
using BiDoRA.Engine.Esm;
using BiDoRA.Engine.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace BiDoRA.Engine.Tests.Training;

/// <summary>Masked-LM pretraining end to end on the tiny fixture model: learning, the written folder, resume, errors.</summary>
public sealed class PretrainerTests
{
    /// <summary>Sequences any model can learn: a few short motifs repeated.</summary>
    private static string RepetitiveCorpus(string folder, int count = 60)
    {
        string[] motifs = ["ACDEFG", "KLMNPQ", "RSTVWY"];
        var lines = Enumerable.Range(0, count).Select(i => string.Concat(Enumerable.Repeat(motifs[i % 3], 5 + i % 4)));
        var path = Path.Combine(folder, "repetitive.txt");
        File.WriteAllLines(path, lines);
        return path;
    }

    private static RunPlan Plan(string sequences, string output, AdapterMethod method = AdapterMethod.Full, int steps = 40) => new()
    {
        Kind = RunKind.Pretrain,
        DatasetPath = sequences,
        Model = TrainingTestData.TinyModel,
        Method = method,
        Rank = 4,
        Alpha = 8,
        Steps = steps,
        BatchSize = 8,
        LearningRate = 1e-2,
        WarmupFraction = 0.05,
        EvalEvery = 10,
        CheckpointEvery = 10,
        Device = "cpu",
        Seed = 3,
        OutputDirectory = output,
        Pretraining = new PretrainingSettings { SequenceFiles = [sequences], HeldOutFraction = 0.1 },
    };

    [Fact]
    public async Task Perplexity_goes_down_on_a_repetitive_corpus()
    {
        var folder = TrainingTestData.TempRunFolder();
        var events = new List<TrainingEvent>();
        var result = await new Pretrainer().RunAsync(Plan(RepetitiveCorpus(folder), Path.Combine(folder, "out")), new Collect(events));
        Assert.True(result.Outcome == RunOutcome.Completed, result.Error);

        var evaluations = events.OfType<Evaluated>().ToList();
        Assert.Equal([0, 10, 20, 30, 40], evaluations.Select(e => e.Step));
        var basePerplexity = evaluations[0].Metrics["perplexity"];
        Assert.All(evaluations, e => Assert.Equal(basePerplexity, e.Metrics["base_perplexity"]));
        // The fixture's random weights are confidently wrong (perplexity in the thousands); the motifs are learnable.
        Assert.True(double.IsFinite(basePerplexity) && basePerplexity > 1);
        Assert.True(result.TestMetrics["perplexity"] < 0.5 * basePerplexity, $"perplexity {result.TestMetrics["perplexity"]} vs base {basePerplexity}");
        Assert.Equal(result.TestMetrics["perplexity"], Math.Exp(result.TestMetrics["loss"]), 9);
        var started = Assert.IsType<RunStarted>(events[0]);
        Assert.Equal(11, started.TrainExamples);   // 12 distinct sequences: the copies are dropped
        Assert.Equal(1, started.ValidationExamples);
        Assert.IsType<RunCompleted>(events[^1]);
    }

    [Theory]
    [InlineData(AdapterMethod.Full)]
    [InlineData(AdapterMethod.Lora)]
    [InlineData(AdapterMethod.Dora)]
    public void The_written_folder_loads_back_with_the_outputs_of_the_trained_model(AdapterMethod method)
    {
        using var scope = NewDisposeScope();
        var folder = TrainingTestData.TempRunFolder();
        var plan = Plan(RepetitiveCorpus(folder), folder, method);
        var corpus = PretrainingCorpus.Load(plan, CancellationToken.None);
        using var session = PretrainingSession.Create(plan, corpus);
        using var optimizer = session.Optimizer();
        var stream = new BatchStream(corpus.Train, plan.BatchSize, plan.Seed, LengthBucketedBatcher.Batches);
        for (var i = 0; i < 3; i++) session.Step(optimizer, stream, 1.0);

        using var batch = session.Model.Tokenizer.EncodeBatch(["ACDEFGACDEFG", "KLMNPQ<mask>LMNPQKLM"]);
        session.Model.eval();
        Tensor expected;
        using (no_grad()) expected = session.Model.forward(batch.InputIds, batch.AttentionMask);
        var written = Path.Combine(folder, "model");
        session.WriteModel(written, new Dictionary<string, string> { ["note.txt"] = "x" });

        Assert.True(HuggingFaceModelFolder.LooksLikeModelFolder(written));
        Assert.False(Directory.EnumerateDirectories(written).Any(), "no scratch folder is left behind");
        var loaded = EsmModel.FromPretrained(written);
        using var loadedModel = loaded.Model;
        Assert.Empty(loaded.Report.Unexpected);
        Assert.Equal(session.Model.Config, loaded.Model.Config);
        using var actual = loaded.Model.forward(batch.InputIds, batch.AttentionMask);
        if (method == AdapterMethod.Full)
        {
            Assert.True(actual.eq(expected).all().item<bool>(), "a full model is written bit for bit");
        }
        else
        {
            // Merging bakes m·(W0 + s·BA)/‖·‖ into one matrix: the same function up to float32 rounding.
            Assert.True(actual.allclose(expected, rtol: 1e-4, atol: 1e-5), $"max difference {(actual - expected).abs().max().ToDouble()}");
            Assert.DoesNotContain(loaded.Model.named_parameters(), p => p.name.Contains("lora", StringComparison.Ordinal));
        }
    }

    [Theory]
    [InlineData(AdapterMethod.Full, 13)]
    [InlineData(AdapterMethod.Lora, 7)]
    public async Task Resume_after_a_checkpoint_is_bit_exact(AdapterMethod method, int cancelAfter)
    {
        var folder = TrainingTestData.TempRunFolder();
        var corpus = RepetitiveCorpus(folder);
        var plan = Plan(corpus, "", method, steps: 20) with { Dropout = method == AdapterMethod.Lora ? 0.1 : 0, CheckpointEvery = 5 };
        var straight = Path.Combine(folder, "straight");
        var full = await new Pretrainer().RunAsync(plan with { OutputDirectory = straight });
        Assert.True(full.Outcome == RunOutcome.Completed, full.Error);

        var interrupted = Path.Combine(folder, "interrupted");
        using var cts = new CancellationTokenSource();
        var events = new List<TrainingEvent>();
        var first = await new Pretrainer().RunAsync(plan with { OutputDirectory = interrupted }, new CancelAt(events, cancelAfter, cts), cts.Token);
        Assert.Equal(RunOutcome.Cancelled, first.Outcome);
        Assert.Equal(cancelAfter, first.StepsCompleted);
        Assert.True(Directory.Exists(Assert.IsType<RunCancelled>(events[^1]).CheckpointPath));
        Assert.False(File.Exists(Path.Combine(interrupted, HuggingFaceModelFolder.WeightsFileName)), "no model folder before the run completes");

        var resumedEvents = new List<TrainingEvent>();
        var resumed = await new Pretrainer().ResumeAsync(interrupted, new Collect(resumedEvents));
        Assert.True(resumed.Outcome == RunOutcome.Completed, resumed.Error);
        Assert.Equal(cancelAfter + 1, resumedEvents.OfType<StepCompleted>().First().Step);
        Assert.DoesNotContain(resumedEvents.OfType<Evaluated>(), e => e.Step == 0);
        Assert.Equal(full.TestMetrics["perplexity"], resumed.TestMetrics["perplexity"]);
        Assert.Equal(full.TestMetrics["base_perplexity"], resumed.TestMetrics["base_perplexity"]);
        Assert.Equal(File.ReadAllBytes(Path.Combine(straight, HuggingFaceModelFolder.WeightsFileName)),
            File.ReadAllBytes(Path.Combine(interrupted, HuggingFaceModelFolder.WeightsFileName)));
    }

    [Fact]
    public async Task Test_rows_are_left_out_and_files_are_read_like_datasets()
    {
        var folder = TrainingTestData.TempRunFolder();
        var table = Path.Combine(folder, "table.csv");
        File.WriteAllLines(table, ["sequence,split", "ACDEFGHIK,train", "KLMNPQRST,train", "GIGKFLHSA,test", "RSTVWYACD,train", "MKTAYIAKQ,train"]);
        var lines = Path.Combine(folder, "more.txt");
        File.WriteAllLines(lines, ["ACDEFGHIK", "wwwkkklll", "", "GGGGGGGGGGGG"]);
        var plan = Plan(table, Path.Combine(folder, "out")) with { Pretraining = new PretrainingSettings { SequenceFiles = [table, lines], HeldOutFraction = 0.2 } };
        var corpus = PretrainingCorpus.Load(plan, CancellationToken.None);
        Assert.Equal(1, corpus.TestRowsLeftOut);
        Assert.Equal(1, corpus.DuplicatesDropped);
        var all = corpus.Train.Concat(corpus.HeldOut).Select(s => s.Sequence).Order().ToList();
        Assert.Equal(["ACDEFGHIK", "GGGGGGGGGGGG", "KLMNPQRST", "MKTAYIAKQ", "RSTVWYACD", "WWWKKKLLL"], all);
        Assert.Single(corpus.HeldOut);

        var bad = Path.Combine(folder, "bad.fasta");
        File.WriteAllLines(bad, [">a", "ACDEFG", ">b", "ACD-EFG"]);
        var failed = await new Pretrainer().RunAsync(plan with { DatasetPath = bad, Pretraining = new PretrainingSettings { SequenceFiles = [bad] } });
        Assert.Equal(RunOutcome.Failed, failed.Outcome);
        Assert.Contains("bad.fasta, row 3, sequence (position 4): '-' is not an amino-acid letter", failed.Error);
    }

    [Fact]
    public async Task BiDoRA_is_refused_with_a_reason()
    {
        var folder = TrainingTestData.TempRunFolder();
        var result = await new Pretrainer().RunAsync(Plan(RepetitiveCorpus(folder), Path.Combine(folder, "out"), AdapterMethod.BiDora));
        Assert.Equal(RunOutcome.Failed, result.Outcome);
        Assert.Contains("full, lora or dora", result.Error);
    }

    private sealed class Collect(List<TrainingEvent> sink) : IProgress<TrainingEvent>
    {
        public void Report(TrainingEvent value) => sink.Add(value);
    }

    private sealed class CancelAt(List<TrainingEvent> sink, int step, CancellationTokenSource cts) : IProgress<TrainingEvent>
    {
        public void Report(TrainingEvent value)
        {
            sink.Add(value);
            if (value is StepCompleted s && s.Step == step) cts.Cancel();
        }
    }
}
