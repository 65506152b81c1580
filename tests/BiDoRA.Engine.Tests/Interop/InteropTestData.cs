using BiDoRA.Engine.Adapters;
using BiDoRA.Engine.Esm;
using BiDoRA.Engine.Prediction;
using BiDoRA.Engine.Tests.Training;
using BiDoRA.Engine.Training;
using static TorchSharp.torch;

namespace BiDoRA.Engine.Tests.Interop;

/// <summary>Trained runs, the hand-made PEFT fixtures and comparisons shared by the export and import tests.</summary>
internal static class InteropTestData
{
    public static string PeftFixtures => Path.Combine(TestPaths.Fixtures, "peft");

    public static string DoraWithClassifier => Path.Combine(PeftFixtures, "dora-with-classifier");

    public static string LoraWithoutClassifier => Path.Combine(PeftFixtures, "lora-no-classifier");

    public static readonly string[] Sequences = ["GLFDIVKKVVGALGSL", "KWKLFKKIEKVGQNIRDGIIKAGPAVAVVGQATQIAK", "MKTAYIAKQRQISFVKSHFSRQ", "ACDEFGHIKLMNPQRSTVWY", "CC"];

    private static readonly Dictionary<(AdapterMethod, bool), Task<string>> Runs = new();
    private static readonly Lock Gate = new();

    /// <summary>
    /// A finished 4-step run on the BBP sample with the tiny model, trained once per setting and shared; query and value
    /// adapted, or with <paramref name="dense"/> every dense layer too (a pattern PEFT would also match in the classifier).
    /// </summary>
    public static Task<string> TrainedRun(AdapterMethod method, bool dense = false)
    {
        lock (Gate)
        {
            if (!Runs.TryGetValue((method, dense), out var run))
            {
                Runs[(method, dense)] = run = Task.Run(async () =>
                {
                    var dir = TrainingTestData.TempRunFolder();
                    var plan = TrainingTestData.Bbp(method, dir);
                    var result = await new Trainer().RunAsync(dense ? plan with { TargetModules = ["query", "value", "dense"] } : plan);
                    Assert.True(result.Outcome == RunOutcome.Completed, result.Error);
                    return dir;
                });
            }
            return run;
        }
    }

    /// <summary>A finished regression run (standardised targets, so the export folds the scaler into out_proj).</summary>
    public static async Task<string> RegressionRun()
    {
        var dir = TrainingTestData.TempRunFolder();
        var plan = TrainingTestData.Bbp(AdapterMethod.Dora, dir) with
        {
            DatasetPath = Path.Combine(TestPaths.Fixtures, "data", "regression.tsv"),
            TestDatasetPath = null,
            EvalEvery = 2,
        };
        var result = await new Trainer().RunAsync(plan);
        Assert.True(result.Outcome == RunOutcome.Completed, result.Error);
        return dir;
    }

    /// <summary>Probabilities (classification) or values (regression) per sequence.</summary>
    public static double[][] Outputs(Predictor predictor, IReadOnlyList<string> sequences) =>
        predictor.Predict(sequences).Select(p => p.Probabilities?.ToArray() ?? [p.Value!.Value]).ToArray();

    /// <summary>The reference forward's probabilities (softmax) or values for the sequences, tokenised as ESM-2 does.</summary>
    public static double[][] Outputs(HfSequenceClassifier model, IReadOnlyList<string> sequences, bool regression = false)
    {
        using var scope = NewDisposeScope();
        using var batch = EsmTokenizer.Esm2.EncodeBatch(sequences);
        var logits = model.Logits(batch.InputIds, batch.AttentionMask);
        var outputs = regression ? logits : nn.functional.softmax(logits, -1);
        var k = (int)outputs.shape[1];
        var flat = outputs.data<double>().ToArray();
        return Enumerable.Range(0, sequences.Count).Select(i => flat.AsSpan(i * k, k).ToArray()).ToArray();
    }

    public static void AssertClose(double[][] expected, double[][] actual, double tolerance, bool relative = false)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (var i = 0; i < expected.Length; i++)
        {
            Assert.Equal(expected[i].Length, actual[i].Length);
            for (var k = 0; k < expected[i].Length; k++)
            {
                var allowed = relative ? tolerance * Math.Max(1, Math.Abs(expected[i][k])) : tolerance;
                Assert.True(Math.Abs(expected[i][k] - actual[i][k]) <= allowed,
                    $"sequence {i}, output {k}: expected {expected[i][k]:R}, got {actual[i][k]:R} (|diff| {Math.Abs(expected[i][k] - actual[i][k]):E2} > {allowed:E1})");
            }
        }
    }

    public static string CopyFolder(string source)
    {
        var target = TrainingTestData.TempRunFolder();
        foreach (var file in Directory.EnumerateFiles(source)) File.Copy(file, Path.Combine(target, Path.GetFileName(file)));
        return target;
    }
}
