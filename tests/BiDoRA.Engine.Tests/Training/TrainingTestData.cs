using BiDoRA.Engine.Adapters;
using BiDoRA.Engine.Data;
using BiDoRA.Engine.Training;

namespace BiDoRA.Engine.Tests.Training;

/// <summary>Plans over the BBP sample and the tiny fixture model, in a temporary run folder.</summary>
internal static class TrainingTestData
{
    public static string TinyModel => Path.Combine(TestPaths.Fixtures, "esm2-tiny-a", "model");

    public static RunPlan Bbp(AdapterMethod method, string outputDirectory, int steps = 4) => new()
    {
        DatasetPath = SampleDatasets.Find("bbp")!.TrainPath(TestPaths.Samples),
        TestDatasetPath = SampleDatasets.Find("bbp")!.TestPath(TestPaths.Samples),
        Model = TinyModel,
        Method = method,
        Rank = 4,
        Alpha = 8,
        Steps = steps,
        BatchSize = 8,
        LearningRate = 5e-3,
        UpperLearningRate = 5e-3,
        EvalEvery = 2,
        CheckpointEvery = 2,
        Device = "cpu",
        Seed = 7,
        OutputDirectory = outputDirectory,
    };

    public static string TempRunFolder()
    {
        var dir = Path.Combine(Path.GetTempPath(), "bidora-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        return dir;
    }
}
