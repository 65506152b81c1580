using BiDoRA.Engine.Data;
using BiDoRA.Engine.Training;

namespace BiDoRA.Engine.RunFolders;

/// <summary>
/// The predictions CSV, in its two shapes: a run's test set (the run folder's predictions.csv:
/// id,sequence,label,predicted,p_&lt;class&gt;…) and predictions for new sequences (id,sequence,predicted,p_&lt;class&gt;…,
/// or id,sequence,value for regression), as <c>bidora predict</c> and the Predict page's download write them.
/// </summary>
public static class PredictionsCsv
{
    /// <summary>One predicted sequence: the class name or the value, and the class probabilities in class order.</summary>
    public readonly record struct Row(string Id, string Sequence, string? Label, double? Value, IReadOnlyList<double>? Probabilities);

    /// <summary>Predictions for new sequences; <paramref name="classNames"/> name the probability columns (ignored for regression).</summary>
    public static void Write(TextWriter writer, TaskKind task, IReadOnlyList<string> classNames, IEnumerable<Row> rows)
    {
        var regression = task == TaskKind.Regression;
        using var csv = CsvOutput.Open(writer);
        csv.Row(regression ? ["id", "sequence", "value"] : ["id", "sequence", "predicted", .. classNames.Select(c => "p_" + c)]);
        foreach (var row in rows)
        {
            csv.Row(regression
                ? [row.Id, row.Sequence, CsvOutput.Number(row.Value ?? double.NaN)]
                : [row.Id, row.Sequence, row.Label ?? "", .. classNames.Select((_, k) => CsvOutput.Number(row.Probabilities is { } p && k < p.Count ? p[k] : double.NaN))]);
        }
    }

    /// <summary>
    /// An ensemble's predictions (<see cref="Prediction.Ensemble"/>) of <paramref name="inputs"/>, in their order:
    /// id,sequence,predicted,p_&lt;class&gt;…,sd_&lt;class&gt;…,agreement,members, or id,sequence,value,sd,members.
    /// </summary>
    public static void WriteEnsemble(TextWriter writer, Prediction.EnsembleResult ensemble, IReadOnlyList<(string Id, string Sequence)> inputs)
    {
        var classes = ensemble.ClassNames ?? [];
        var regression = ensemble.Task == TaskKind.Regression;
        using var csv = CsvOutput.Open(writer);
        csv.Row(regression
            ? ["id", "sequence", "value", "sd", "members"]
            : ["id", "sequence", "predicted", .. classes.Select(c => "p_" + c), .. classes.Select(c => "sd_" + c), "agreement", "members"]);
        for (var i = 0; i < ensemble.Predictions.Count; i++)
        {
            var p = ensemble.Predictions[i];
            var members = p.Members.ToString(System.Globalization.CultureInfo.InvariantCulture);
            csv.Row(regression
                ? [inputs[i].Id, inputs[i].Sequence, CsvOutput.Number(p.Value!.Value), CsvOutput.Number(p.ValueSd!.Value), members]
                : [inputs[i].Id, inputs[i].Sequence, p.Label!, .. p.Probabilities!.Select(CsvOutput.Number), .. p.ProbabilitySd!.Select(CsvOutput.Number), CsvOutput.Number(p.Agreement!.Value), members]);
        }
    }

    /// <summary>A run's test-set predictions, with the true label beside the predicted one.</summary>
    internal static void WriteTestSet(TextWriter writer, IReadOnlyList<ExamplePrediction> predictions, TaskKind task, IReadOnlyList<string>? classNames)
    {
        IReadOnlyList<string> classes = task == TaskKind.Regression ? [] : classNames ?? ["0", "1"];
        using var csv = CsvOutput.Open(writer);
        csv.Row(["id", "sequence", "label", "predicted", .. classes.Select(c => "p_" + c)]);
        foreach (var p in predictions)
        {
            csv.Row(task == TaskKind.Regression
                ? [p.Example.Id, p.Example.Sequence, CsvOutput.Number(p.Example.Label), CsvOutput.Number(p.Predicted)]
                : [p.Example.Id, p.Example.Sequence, classes[(int)p.Example.Label], classes[(int)p.Predicted], .. p.Probabilities!.Select(CsvOutput.Number)]);
        }
    }
}
