using System.CommandLine;
using BiDoRA.Engine.Data;
using BiDoRA.Engine.Training;

namespace BiDoRA.Workbench.Cli;

/// <summary>
/// The run settings that <c>train</c> and <c>sweep</c> share: declared once, bound once to a <see cref="RunPlan"/>,
/// so the two commands cannot drift apart in names, defaults or meaning.
/// </summary>
internal sealed class RunSettingsOptions
{
    private static readonly string[] TaskNames = ["auto", "binary", "multiclass", "regression"];

    /// <summary>The plan's own defaults: the command line states none of its own.</summary>
    internal static RunPlan Defaults { get; } = new() { DatasetPath = "", OutputDirectory = "" };

    /// <param name="stepsDescription">What --steps counts; "(default N unless --epochs is given)" is added.</param>
    public RunSettingsOptions(string stepsDescription)
    {
        Task.AcceptOnlyFromAmong(TaskNames);
        Select.AcceptOnlyFromAmong("last", "best");
        Steps = new Option<int?>("--steps") { Description = $"{stepsDescription} (default {Defaults.Steps} unless --epochs is given)." };
    }

    public Option<FileInfo> Dataset { get; } = new("--dataset") { Description = "Training data: CSV, TSV, FASTA or XLSX (a split column is honoured).", Required = true };

    public Option<FileInfo?> TestFile { get; } = new("--test-file") { Description = "Optional separate test file." };

    public Option<string> Model { get; } = new("--model") { Description = "Model folder or catalog name (tiny, esm2_t6_8M_UR50D, ...).", DefaultValueFactory = _ => Defaults.Model };

    public Option<string> Task { get; } = new("--task") { Description = "auto, binary, multiclass or regression.", DefaultValueFactory = _ => "auto" };

    public Option<int?> Steps { get; }

    public Option<int?> Epochs { get; } = new("--epochs") { Description = "Epochs over the training part instead of --steps." };

    public Option<int> BatchSize { get; } = new("--batch-size") { DefaultValueFactory = _ => Defaults.BatchSize };

    public Option<double> LearningRate { get; } = new("--lr") { Description = "Learning rate of the direction and head (everything for single-level methods).", DefaultValueFactory = _ => Defaults.LearningRate };

    public Option<double> UpperLearningRate { get; } = new("--upper-lr") { Description = "BiDoRA: learning rate of the magnitudes.", DefaultValueFactory = _ => Defaults.UpperLearningRate };

    public Option<int> Rank { get; } = new("--rank") { DefaultValueFactory = _ => Defaults.Rank };

    public Option<double> Alpha { get; } = new("--alpha") { DefaultValueFactory = _ => Defaults.Alpha };

    public Option<string> Targets { get; } = new("--targets") { Description = "Comma-separated module names to adapt.", DefaultValueFactory = _ => string.Join(",", Defaults.TargetModules) };

    public Option<HypergradientMode> Hypergradient { get; } = new("--hypergradient") { DefaultValueFactory = _ => Defaults.Hypergradient };

    public Option<int?> RetrainSteps { get; } = new("--retrain-steps") { Description = "BiDoRA: steps of the retraining phase (default: as many as the search; 0 skips it)." };

    public Option<double?> RetrainLearningRate { get; } = new("--retrain-lr") { Description = "BiDoRA: learning rate of the retraining phase (default: --lr)." };

    public Option<double?> RetrainWeightDecay { get; } = new("--retrain-weight-decay") { Description = "BiDoRA: weight decay of the retraining phase (default: the main weight decay)." };

    public Option<string> Select { get; } = new("--select")
    {
        Description = "Final weights: last (the last step, default) or best (best evaluation on a held-out selection split of --selection-fraction).",
        DefaultValueFactory = _ => Defaults.Select.ToString().ToLowerInvariant(),
    };

    public Option<double> SelectionFraction { get; } = new("--selection-fraction") { Description = "With --select best: share of the training rows held out for selection.", DefaultValueFactory = _ => Defaults.SelectionFraction };

    public Option<int> EvalEvery { get; } = new("--eval-every") { Description = "Evaluate (and save an analysis snapshot) every N steps.", DefaultValueFactory = _ => Defaults.EvalEvery };

    public Option<int> CheckpointEvery { get; } = new("--checkpoint-every") { DefaultValueFactory = _ => Defaults.CheckpointEvery };

    public Option<string> Device { get; } = new("--device") { DefaultValueFactory = _ => Defaults.Device };

    public Option<string> DataDirectory { get; } = new("--data-dir") { Description = "Workbench data folder; catalog models live in its models/ folder.", DefaultValueFactory = _ => "./data" };

    public Option<string?> SequenceColumn { get; } = new("--sequence-column");

    public Option<string?> LabelColumn { get; } = new("--label-column");

    public void AddTo(Command command)
    {
        Option[] all =
        [
            Dataset, TestFile, Model, Task, Steps, Epochs, BatchSize, LearningRate, UpperLearningRate, Rank, Alpha, Targets, Hypergradient,
            RetrainSteps, RetrainLearningRate, RetrainWeightDecay, Select, SelectionFraction, EvalEvery, CheckpointEvery, Device, DataDirectory, SequenceColumn, LabelColumn,
        ];
        foreach (var option in all) command.Options.Add(option);
    }

    /// <summary>
    /// What the engine's <see cref="RunPlanValidator"/> finds wrong with <paramref name="plan"/>, as
    /// "--option: message" lines (the plan's field names turned into this command's option names).
    /// </summary>
    public static IReadOnlyList<string> Problems(RunPlan plan) =>
        RunPlanValidator.Validate(plan).SelectMany(e => e.Value.Select(m => $"{OptionName(e.Key)}: {m}")).ToList();

    private static string OptionName(string field) => field switch
    {
        "learningRate" => "--lr",
        "upperLearningRate" => "--upper-lr",
        "retrainLearningRate" => "--retrain-lr",
        "targetModules" => "--targets",
        _ => "--" + string.Concat(field.Select(c => char.IsUpper(c) ? "-" + char.ToLowerInvariant(c) : c.ToString())),
    };

    /// <summary>The plan these settings describe; method, seed and output folder are the caller's.</summary>
    public RunPlan Bind(ParseResult parse, string outputDirectory) => new()
    {
        DatasetPath = parse.GetValue(Dataset)!.FullName,
        TestDatasetPath = parse.GetValue(TestFile)?.FullName,
        SequenceColumn = parse.GetValue(SequenceColumn),
        LabelColumn = parse.GetValue(LabelColumn),
        Task = parse.GetValue(Task) switch { "binary" => TaskKind.Binary, "multiclass" => TaskKind.Multiclass, "regression" => TaskKind.Regression, _ => null },
        Model = parse.GetValue(Model)!,
        ModelsDirectory = Path.GetFullPath(Path.Combine(parse.GetValue(DataDirectory)!, "models")),
        Steps = parse.GetValue(Epochs) is null ? parse.GetValue(Steps) ?? Defaults.Steps : null,
        Epochs = parse.GetValue(Epochs),
        BatchSize = parse.GetValue(BatchSize),
        LearningRate = parse.GetValue(LearningRate),
        UpperLearningRate = parse.GetValue(UpperLearningRate),
        Rank = parse.GetValue(Rank),
        Alpha = parse.GetValue(Alpha),
        TargetModules = parse.GetValue(Targets)!.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries),
        Hypergradient = parse.GetValue(Hypergradient),
        RetrainSteps = parse.GetValue(RetrainSteps),
        RetrainLearningRate = parse.GetValue(RetrainLearningRate),
        RetrainWeightDecay = parse.GetValue(RetrainWeightDecay),
        Select = parse.GetValue(Select) == "best" ? SelectionRule.Best : SelectionRule.Last,
        SelectionFraction = parse.GetValue(SelectionFraction),
        EvalEvery = parse.GetValue(EvalEvery),
        CheckpointEvery = parse.GetValue(CheckpointEvery),
        Device = parse.GetValue(Device)!,
        OutputDirectory = outputDirectory,
    };
}
