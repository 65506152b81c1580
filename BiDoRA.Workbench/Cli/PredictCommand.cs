using System.CommandLine;
using System.Globalization;
using BiDoRA.Engine.Data;
using BiDoRA.Engine.Esm;
using BiDoRA.Engine.Prediction;
using BiDoRA.Engine.Training;

namespace BiDoRA.Workbench.Cli;

/// <summary><c>predict</c>: applies a trained run to sequences from a file and writes a CSV.</summary>
internal static class PredictCommand
{
    public static Command Create()
    {
        var run = new Option<DirectoryInfo>("--run") { Description = "A finished run folder.", Required = true };
        var input = new Option<FileInfo>("--input") { Description = "FASTA, CSV/TSV or .xlsx with a sequence column (sequence, seq, peptide, protein, ...), or one sequence per line.", Required = true };
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
                var sequences = InputSequences.Read(parse.GetValue(input)!.FullName);
                using var predictor = Predictor.Load(parse.GetValue(run)!.FullName, Path.Combine(parse.GetValue(dataDir)!, "models"), parse.GetValue(device)!);
                IReadOnlyList<SequencePrediction> predictions;
                try
                {
                    predictions = predictor.Predict(sequences.Select(s => s.Sequence).ToList(), parse.GetValue(batch), ct);
                }
                catch (SequenceFormatException e) when (e.SequenceIndex is { } index)
                {
                    throw new InvalidDataException($"{sequences[index].Location}: {e.Message}", e);
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
        var classes = predictor.ClassNames
            ?? Enumerable.Range(0, predictions.FirstOrDefault()?.Probabilities?.Count ?? 0).Select(i => i.ToString(CultureInfo.InvariantCulture)).ToList();
        using var text = new StringWriter();
        PredictionsCsv.Write(text, predictor.Task, classes, predictions.Select((p, i) => new PredictionsCsv.Row(inputs[i].Id, inputs[i].Sequence, p.Label, p.Value, p.Probabilities)));
        return text.ToString();
    }
}
