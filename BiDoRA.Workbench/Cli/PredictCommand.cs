using System.CommandLine;
using System.Globalization;
using BiDoRA.Engine.Data;
using BiDoRA.Engine.Design;
using BiDoRA.Engine.Esm;
using BiDoRA.Engine.Prediction;
using BiDoRA.Engine.RunFolders;
using BiDoRA.Engine.Training;

namespace BiDoRA.Workbench.Cli;

/// <summary>
/// <c>predict</c>: applies a trained model (run folder, PEFT adapter folder or merged transformers folder) to sequences
/// from a file and writes a CSV; with <c>--sweep DIR --method M</c> the sweep's finished runs of that method (seeds ×
/// folds) predict together as an ensemble (mean, sd, agreement).
/// </summary>
internal static class PredictCommand
{
    public static Command Create()
    {
        var run = new Option<DirectoryInfo?>("--run")
        {
            Description = "A finished run folder, a PEFT LoRA/DoRA adapter folder (adapter_config.json + adapter_model.safetensors) or a transformers EsmForSequenceClassification folder.",
        };
        var model = new Option<string?>("--model") { Description = "The base model (catalog name or folder) when the adapter's base_model_name_or_path cannot be resolved here." };
        var sweep = new Option<DirectoryInfo?>("--sweep") { Description = "A sweep folder: its finished runs of --method predict as an ensemble (instead of --run)." };
        var method = new Option<string?>("--method") { Description = "With --sweep: full, lora, dora or bidora." };
        var input = new Option<FileInfo>("--input") { Description = "FASTA, CSV/TSV or .xlsx with a sequence column (sequence, seq, peptide, protein, ...), or one sequence per line.", Required = true };
        var output = new Option<FileInfo>("--output") { Description = "CSV to write.", Required = true };
        var batch = new Option<int>("--batch-size") { DefaultValueFactory = _ => 32 };
        var device = new Option<string>("--device") { DefaultValueFactory = _ => "auto" };
        var dataDir = new Option<string>("--data-dir") { DefaultValueFactory = _ => "./data" };
        var attributions = new Option<FileInfo?>("--attributions") { Description = "With --run: also write per-residue integrated-gradients attributions as JSON (baseline: the <mask> embedding)." };
        var igSteps = new Option<int>("--ig-steps") { Description = "Integrated-gradients steps.", DefaultValueFactory = _ => ResidueAttributor.DefaultSteps };
        var command = new Command("predict", "Predict labels or values for sequences with a trained model, or with a sweep's runs of one method as an ensemble.")
        {
            run, model, sweep, method, input, output, batch, device, dataDir, attributions, igSteps,
        };
        command.SetAction(async (parse, ct) =>
        {
            var stderr = parse.InvocationConfiguration.Error;
            if ((parse.GetValue(run) is null) == (parse.GetValue(sweep) is null))
            {
                await stderr.WriteLineAsync("error: give either --run DIR or --sweep DIR --method M.");
                return 2;
            }
            try
            {
                var sequences = InputSequences.Read(parse.GetValue(input)!.FullName);
                if (parse.GetValue(sweep) is { } sweepFolder)
                {
                    var members = Members(sweepFolder.FullName, parse.GetValue(method));
                    await stderr.WriteLineAsync($"Ensemble of {Components.Display.Plural(members.Count, "run")}: {string.Join(", ", members.Select(Path.GetFileName))}.");
                    var ensemble = Ensemble.Predict(members, sequences.Select(s => s.Sequence).ToList(), Path.Combine(parse.GetValue(dataDir)!, "models"),
                        parse.GetValue(device)!, parse.GetValue(batch), cancellationToken: ct);
                    var target = parse.GetValue(output)!.FullName;
                    using (var text = new StringWriter())
                    {
                        PredictionsCsv.WriteEnsemble(text, ensemble, sequences.Select(s => (s.Id, s.Sequence)).ToList());
                        await File.WriteAllTextAsync(target, text.ToString(), ct);
                    }
                    await parse.InvocationConfiguration.Output.WriteLineAsync(
                        $"Wrote {Components.Display.Plural(ensemble.Predictions.Count, "ensemble prediction")} of {Components.Display.Plural(members.Count, "run")} to {target}.");
                    return 0;
                }
                using var predictor = Predictor.Load(parse.GetValue(run)!.FullName, Path.Combine(parse.GetValue(dataDir)!, "models"), parse.GetValue(device)!, parse.GetValue(model));
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
                if (parse.GetValue(attributions) is { } attributionFile)
                {
                    var explained = sequences.Select(s => new { id = s.Id, attribution = ResidueAttributor.Explain(predictor, s.Sequence, parse.GetValue(igSteps), cancellationToken: ct) }).ToList();
                    await File.WriteAllTextAsync(attributionFile.FullName, System.Text.Json.JsonSerializer.Serialize(explained, Services.WorkbenchJson.Options), ct);
                    await parse.InvocationConfiguration.Output.WriteLineAsync($"Wrote attributions of {Components.Display.Plural(explained.Count, "sequence")} to {attributionFile.FullName} (largest completeness error {explained.Max(e => Math.Abs(e.attribution.CompletenessError)):G3}).");
                }
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

    /// <summary>The finished runs of one method in a sweep folder, in the sweep's order.</summary>
    /// <exception cref="InvalidDataException">No method named, not a sweep, or no finished run of that method.</exception>
    internal static IReadOnlyList<string> Members(string sweepFolder, string? methodName)
    {
        if (methodName is null || !Enum.TryParse<Engine.Adapters.AdapterMethod>(methodName, ignoreCase: true, out var method))
            throw new InvalidDataException($"--method: '{methodName}' is not one of full, lora, dora, bidora.");
        var plan = Engine.Training.SweepPlan.Read(sweepFolder);
        var members = plan.Runs().Where(r => r.Method == method && File.Exists(Path.Combine(r.Plan.OutputDirectory, Engine.RunFolders.RunFolder.HeadFile))
                && File.Exists(Path.Combine(r.Plan.OutputDirectory, Engine.RunFolders.RunFolder.MetricsFile)))
            .Select(r => r.Plan.OutputDirectory).ToList();
        return members.Count > 0 ? members : throw new InvalidDataException($"{sweepFolder} has no finished {methodName.ToLowerInvariant()} run.");
    }
}
