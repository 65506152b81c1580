using System.Globalization;
using System.Reflection;
using System.Text;
using BiDoRA.Engine.Adapters;
using BiDoRA.Engine.Data;
using BiDoRA.Engine.Evaluation;
using BiDoRA.Engine.RunFolders;
using BiDoRA.Engine.Training;

namespace BiDoRA.Engine.Interop;

/// <summary>
/// The README.md of an export in the Hugging Face model-card layout: YAML front matter (library_name, base_model,
/// tags, pipeline_tag), then what was trained on what, how it was selected, what it scored with its uncertainty,
/// how to load it, and what it is and is not for.
/// </summary>
internal static class ModelCard
{
    public const string FileName = "README.md";

    public static string Write(RunResults results, RunRecordFile record, ExportFormat format, string baseModelId, ExportOptions options)
    {
        var plan = results.Plan;
        var classes = results.Task == TaskKind.Regression ? null : results.ClassNames ?? ["0", "1"];
        var sb = new StringBuilder();
        sb.Append("---\n");
        sb.Append("library_name: ").Append(format == ExportFormat.Peft ? "peft" : "transformers").Append('\n');
        sb.Append("base_model: ").Append(Yaml(baseModelId)).Append('\n');
        sb.Append("pipeline_tag: text-classification\n");
        sb.Append("tags:\n");
        foreach (var tag in Tags(plan.Method, format, results.Task)) sb.Append("- ").Append(tag).Append('\n');
        sb.Append("---\n\n");

        var name = options.Title ?? Path.GetFileName(results.Directory.TrimEnd(Path.DirectorySeparatorChar));
        var baseName = Path.IsPathRooted(baseModelId) ? Path.GetFileName(baseModelId.TrimEnd(Path.DirectorySeparatorChar)) : baseModelId;
        sb.Append("# ").Append(name).Append(": ").Append(MethodName(plan.Method)).Append(" fine-tune of ").Append(baseName).Append('\n');
        sb.Append('\n').Append(TaskSentence(results.Task, classes)).Append(" Exported by BiDoRA Workbench as ")
          .Append(format == ExportFormat.Peft ? "a Hugging Face PEFT adapter (the classifier saved with it, as `modules_to_save`)." : "a merged transformers `EsmForSequenceClassification` (adapter folded into the weights; no PEFT needed).")
          .Append('\n');

        sb.Append("\n## Model details\n\n");
        sb.Append("- **Base model:** ").Append(baseModelId).Append('\n');
        sb.Append("- **Method:** ").Append(MethodDescription(plan.Method)).Append('\n');
        if (classes is not null) sb.Append("- **Classes (output order):** ").Append(string.Join(", ", classes.Select((c, i) => $"{i} = `{c}`"))).Append('\n');
        else sb.Append("- **Output:** one value in the units of the training labels (the training standardisation is folded into `classifier.out_proj`).\n");
        sb.Append("- **Head:** transformers' `EsmClassificationHead` on the `<cls>` state: dense → tanh → out_proj.\n");
        sb.Append("- **Trainable parameters:** ").Append(N(results.TrainableParameters)).Append(" (adapters and magnitudes without the head: ").Append(N(results.PaperParameterCount)).Append(")\n");

        sb.Append("\n### Hyperparameters\n\n| setting | value |\n|---|---|\n");
        foreach (var (key, value) in Hyperparameters(plan)) sb.Append("| ").Append(key).Append(" | ").Append(value).Append(" |\n");

        sb.Append("\n## Training data\n\n");
        sb.Append("- **Dataset:** ").Append(options.DatasetName is { } dataset ? $"{dataset} (`{Path.GetFileName(plan.DatasetPath)}`)" : $"`{DataFile(plan.DatasetPath)}`");
        if (plan.TestDatasetPath is { } test) sb.Append(", test set `").Append(DataFile(test)).Append('`');
        sb.Append('\n');
        sb.Append("- **sha256:** `").Append(string.IsNullOrEmpty(results.DatasetHash) ? "unknown" : results.DatasetHash).Append("`\n");
        sb.Append("- **Examples:** ").Append(N(results.TrainExamples)).Append(" train, ").Append(N(results.ValidationExamples)).Append(" validation, ").Append(N(results.TestExamples)).Append(" test\n");
        sb.Append("- **Split:** ").Append(plan.TestDatasetPath is null ? "the test split is the dataset's own (its split column) or held out before training; " : "the test file is kept apart and never seen in training; ")
          .Append("inside the training set, ").Append(P(plan.UpperValidationFraction)).Append(" is held out as the validation split (seed ").Append(plan.Seed.ToString(CultureInfo.InvariantCulture))
          .Append(results.Task == TaskKind.Regression ? ")" : ", stratified by class)").Append(plan.Method == AdapterMethod.BiDora ? "; BiDoRA trains the magnitudes on it at the upper level.\n" : ".\n");
        var retrain = plan.Method == AdapterMethod.BiDora ? plan.RetrainSteps ?? plan.Steps ?? 0 : 0;
        sb.Append("- **Selection:** ").Append(plan.Select == SelectionRule.Best
                ? $"the weights at the best {Evaluation.MetricCatalog.Headline(results.Task)} on a selection split of {P(plan.SelectionFraction)} of the training rows that no method trains on"
                : "the weights of the last step (a fixed step budget; no data is spent on choosing)")
          .Append(results.BestStep is { } best ? $" (step {best} of {results.Steps ?? 0})" : "").Append(", evaluated every ").Append(plan.EvalEvery.ToString(CultureInfo.InvariantCulture)).Append(" steps")
          .Append(retrain > 0 ? $"; BiDoRA retrains for {retrain} steps on all training data with the magnitudes fixed" : "")
          .Append(". The test split played no part in training or selection.\n");

        sb.Append("\n## Evaluation\n\n");
        var intervals = TestSetBootstrap.Intervals(Path.Combine(results.Directory, RunFolder.PredictionsFile), results.Task, classes, results.Test);
        if (intervals.Count == 0)
        {
            sb.Append("No test split: the run reports no test metrics.\n");
        }
        else
        {
            sb.Append("On the ").Append(N(results.TestExamples)).Append(" test sequences, with ").Append(P(TestSetBootstrap.Level))
              .Append(" percentile-bootstrap intervals (").Append(N(TestSetBootstrap.Resamples)).Append(" resamples of the test set, seed 0). One seed: the spread over training seeds is not included.\n\n");
            sb.Append("| metric | test | ").Append(P(TestSetBootstrap.Level)).Append(" interval |\n|---|---|---|\n");
            foreach (var m in intervals)
                sb.Append("| ").Append(m.Metric).Append(" | ").Append(F(m.Value)).Append(" | ").Append(double.IsNaN(m.Lower) ? "–" : $"{F(m.Lower)} – {F(m.Upper)}").Append(" |\n");
        }

        sb.Append("\n## How to use\n\n```python\n").Append(format == ExportFormat.Peft
            ? PythonUsage.Peft(baseModelId, ".", classes?.Count ?? 1)
            : PythonUsage.Merged(".")).Append("```\n");
        sb.Append('\n').Append(results.Task == TaskKind.Regression
            ? "`logits[:, 0]` is the predicted value."
            : "`logits.softmax(-1)` gives the class probabilities in the order above.").Append(" Sequences longer than 1,022 residues are truncated, as in the workbench.\n");

        sb.Append("\n## Intended use and limits\n\n");
        sb.Append("- Meant for research: ranking or screening protein or peptide sequences like those of the training data, for the property it was trained on. Confirm what matters in the laboratory.\n");
        sb.Append("- It has seen ").Append(N(results.TrainExamples + results.ValidationExamples)).Append(" labelled sequences; sequences far from them (other lengths, families or assays) may be predicted with confidence and wrongly. The test metrics hold for data drawn like the test split only.\n");
        sb.Append("- Probabilities are the softmax of one model and are not calibrated.\n");
        sb.Append("- Not for clinical or diagnostic decisions.\n");

        sb.Append("\n## Provenance\n\n");
        sb.Append("- BiDoRA Workbench ").Append(Version()).Append(" (run trained with engine ").Append(string.IsNullOrEmpty(record.EngineVersion) ? "unknown" : record.EngineVersion)
          .Append(", TorchSharp ").Append(string.IsNullOrEmpty(record.TorchSharpVersion) ? "unknown" : record.TorchSharpVersion).Append(")\n");
        sb.Append("- Run created ").Append(record.Created.ToString("u", CultureInfo.InvariantCulture));
        if (results.Finished is { } finished) sb.Append(", finished ").Append(finished.ToString("u", CultureInfo.InvariantCulture));
        sb.Append("; training took ").Append(results.DurationSeconds is { } s ? $"{s:F0} s" : "unknown").Append('\n');
        return sb.ToString();
    }

    internal static string Version() =>
        typeof(ModelCard).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "unknown";

    private static IEnumerable<string> Tags(AdapterMethod method, ExportFormat format, TaskKind task)
    {
        yield return "bidora-workbench";
        yield return "esm2";
        yield return "protein";
        yield return "biology";
        yield return method switch { AdapterMethod.BiDora => "bidora", AdapterMethod.Dora => "dora", AdapterMethod.Lora => "lora", _ => "full-fine-tuning" };
        if (method is AdapterMethod.BiDora) yield return "dora";
        if (format == ExportFormat.Peft) yield return "peft";
        yield return task == TaskKind.Regression ? "regression" : "sequence-classification";
    }

    private static IEnumerable<(string, string)> Hyperparameters(RunPlan plan)
    {
        if (plan.Method != AdapterMethod.Full)
        {
            yield return ("rank r", I(plan.Rank));
            yield return ("alpha", F(plan.Alpha));
            yield return ("adapter dropout", F(plan.Dropout));
            yield return ("target modules", string.Join(", ", plan.TargetModules));
        }
        yield return ("steps", plan.Steps is { } steps ? I(steps) : $"{plan.Epochs} epochs");
        yield return ("batch size", I(plan.BatchSize) + (plan.GradientAccumulation > 1 ? $" × {plan.GradientAccumulation} accumulated" : ""));
        yield return ("learning rate", F(plan.LearningRate) + $" ({plan.Schedule.ToString().ToLowerInvariant()}, {P(plan.WarmupFraction)} warm-up)");
        yield return ("weight decay", F(plan.WeightDecay));
        yield return ("max gradient norm", F(plan.MaxGradNorm));
        if (plan.Method == AdapterMethod.BiDora)
        {
            yield return ("upper learning rate", F(plan.UpperLearningRate));
            yield return ("hypergradient", plan.Hypergradient.ToString());
            yield return ("lower steps per upper step", I(plan.Unroll));
            yield return ("orthogonality regulariser λ", F(plan.RegularizerWeight));
            yield return ("retraining steps", I(plan.RetrainSteps ?? plan.Steps ?? 0));
        }
        yield return ("seed", I(plan.Seed));
    }

    private static string MethodName(AdapterMethod method) => method switch
    {
        AdapterMethod.BiDora => "BiDoRA",
        AdapterMethod.Dora => "DoRA",
        AdapterMethod.Lora => "LoRA",
        _ => "full",
    };

    private static string MethodDescription(AdapterMethod method) => method switch
    {
        AdapterMethod.BiDora => "BiDoRA (Qin, Zhang & Xie, TMLR 2025): DoRA's weight decomposition, with the directions (LoRA factors) trained on the training split and the magnitudes at the upper level on the validation split",
        AdapterMethod.Dora => "DoRA (Liu et al., 2024): weight-decomposed low-rank adaptation",
        AdapterMethod.Lora => "LoRA (Hu et al., 2021): low-rank adaptation",
        _ => "full fine-tuning: every weight trained",
    };

    private static string TaskSentence(TaskKind task, IReadOnlyList<string>? classes) => task switch
    {
        TaskKind.Regression => "Predicts one value per protein or peptide sequence (regression).",
        TaskKind.Binary => $"Classifies protein or peptide sequences into two classes ({string.Join(" / ", classes!)}).",
        _ => $"Classifies protein or peptide sequences into {classes!.Count} classes.",
    };

    private static string Yaml(string s) => s.IndexOfAny([':', '#', '"', '\'', '{', '}', '[', ']', ',', '&', '*', '!', '|', '>', '%', '@', '`']) >= 0 || s.Contains(' ')
        ? "\"" + s.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal) + "\""
        : s;

    /// <summary>The file with its folder ("bbp/train.csv"): sample files share their names.</summary>
    private static string DataFile(string path)
    {
        var folder = Path.GetFileName(Path.GetDirectoryName(Path.GetFullPath(path)) ?? "");
        return string.IsNullOrEmpty(folder) ? Path.GetFileName(path) : $"{folder}/{Path.GetFileName(path)}";
    }

    private static string N(long n) => n.ToString("N0", CultureInfo.InvariantCulture);

    private static string I(int n) => n.ToString(CultureInfo.InvariantCulture);

    private static string F(double v) => double.IsNaN(v) ? "–" : v.ToString("G4", CultureInfo.InvariantCulture);

    private static string P(double v) => (v * 100).ToString("0.#", CultureInfo.InvariantCulture) + " %";
}
