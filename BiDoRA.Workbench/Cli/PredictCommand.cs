using System.CommandLine;
using System.Globalization;
using System.Text;
using BiDoRA.Engine.Data;
using BiDoRA.Engine.Prediction;

namespace BiDoRA.Workbench.Cli;

/// <summary><c>predict</c>: applies a trained run to sequences from a file and writes a CSV.</summary>
internal static class PredictCommand
{
    public static Command Create()
    {
        var run = new Option<DirectoryInfo>("--run") { Description = "A finished run folder.", Required = true };
        var input = new Option<FileInfo>("--input") { Description = "FASTA, CSV/TSV with a sequence column, or one sequence per line.", Required = true };
        var output = new Option<FileInfo>("--output") { Description = "CSV to write.", Required = true };
        var batch = new Option<int>("--batch-size") { DefaultValueFactory = _ => 32 };
        var device = new Option<string>("--device") { DefaultValueFactory = _ => "auto" };
        var dataDir = new Option<string>("--data-dir") { DefaultValueFactory = _ => "./data" };
        var command = new Command("predict", "Predict labels or values for sequences with a trained run.") { run, input, output, batch, device, dataDir };
        command.SetAction(async (parse, ct) =>
        {
            var stderr = parse.InvocationConfiguration.Error;
            try
            {
                var sequences = SequenceInputReader.Read(parse.GetValue(input)!.FullName);
                using var predictor = Predictor.Load(parse.GetValue(run)!.FullName, Path.Combine(parse.GetValue(dataDir)!, "models"), parse.GetValue(device)!);
                IReadOnlyList<SequencePrediction> predictions;
                try
                {
                    predictions = predictor.Predict(sequences.Select(s => s.Sequence).ToList(), parse.GetValue(batch), ct);
                }
                catch (ArgumentException e) when (e.Message.StartsWith("Sequence ", StringComparison.Ordinal))
                {
                    var index = int.Parse(e.Message.Split(' ', ',')[1], CultureInfo.InvariantCulture) - 1;
                    throw new InvalidDataException($"{sequences[index].Location}: {e.Message}");
                }
                var path = parse.GetValue(output)!.FullName;
                await File.WriteAllTextAsync(path, Csv(sequences, predictions, predictor), ct);
                await parse.InvocationConfiguration.Output.WriteLineAsync($"Wrote {Components.Display.Plural(predictions.Count, "prediction")} to {path}.");
                return 0;
            }
            catch (Exception e) when (e is ArgumentException or IOException or InvalidDataException)
            {
                await stderr.WriteLineAsync("error: " + e.Message);
                return 1;
            }
        });
        return command;
    }

    private static string Csv(IReadOnlyList<SequenceInput> inputs, IReadOnlyList<SequencePrediction> predictions, Predictor predictor)
    {
        var sb = new StringBuilder();
        var classes = predictor.ClassNames ?? [];
        sb.Append(predictor.Task == TaskKind.Regression ? "id,sequence,value" : "id,sequence,predicted" + string.Concat(classes.Select(c => ",p_" + c)));
        sb.Append('\n');
        for (var i = 0; i < predictions.Count; i++)
        {
            sb.Append(Quote(inputs[i].Id)).Append(',').Append(inputs[i].Sequence).Append(',');
            if (predictor.Task == TaskKind.Regression) sb.Append(predictions[i].Value!.Value.ToString("R", CultureInfo.InvariantCulture));
            else
            {
                sb.Append(Quote(predictions[i].Label!));
                foreach (var p in predictions[i].Probabilities!) sb.Append(',').Append(p.ToString("R", CultureInfo.InvariantCulture));
            }
            sb.Append('\n');
        }
        return sb.ToString();
    }

    private static string Quote(string s) => s.IndexOfAny([',', '"', '\n']) >= 0 ? "\"" + s.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : s;
}
