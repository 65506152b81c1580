namespace BiDoRA.Engine.Data;

/// <summary>A dataset shipped with the workbench, as a train file and a test file.</summary>
public sealed record SampleDataset(string Name, string Title, string Description, TaskKind Task, string TrainFile, string TestFile)
{
    public string TrainPath(string root) => Path.Combine(root, Name, TrainFile);

    public string TestPath(string root) => Path.Combine(root, Name, TestFile);
}

/// <summary>The three real datasets of the BiDoRA paper's ESM tasks (provenance in wwwroot-assets/samples/README.md).</summary>
public static class SampleDatasets
{
    public static IReadOnlyList<SampleDataset> All { get; } =
    [
        new("bbp", "Blood–brain-barrier peptides", "Peptides that cross the blood–brain barrier (1) or not (0); BBPpred's published split, 198 train / 38 test.", TaskKind.Binary, "train.csv", "test.csv"),
        new("thermostability", "Thermophilic proteins", "Proteins from thermophilic (1) or mesophilic (0) organisms; iThermo/BertThermo split, 2247 train / 562 test.", TaskKind.Binary, "train.csv", "test.csv"),
        new("mic", "Antimicrobial MIC", "log10 minimum inhibitory concentration (µM) of antimicrobial peptides; Deep_AMP data, 4255 train / 1064 test.", TaskKind.Regression, "train.csv", "test.csv"),
    ];

    public static SampleDataset? Find(string name) => All.FirstOrDefault(s => string.Equals(s.Name, name, StringComparison.OrdinalIgnoreCase));
}
