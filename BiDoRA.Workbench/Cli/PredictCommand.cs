using System.CommandLine;
using System.Globalization;
using System.Text;
using BiDoRA.Engine.Data;
using BiDoRA.Engine.Design;
using BiDoRA.Engine.Prediction;

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
        var input = new Option<FileInfo>("--input") { Description = "FASTA, CSV/TSV with a sequence column, or one sequence per line.", Required = true };
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
                var sequences = SequenceInputReader.Read(parse.GetValue(input)!.FullName);
                if (parse.GetValue(sweep) is { } sweepFolder)
                {
                    var members = Members(sweepFolder.FullName, parse.GetValue(method));
                    await stderr.WriteLineAsync($"Ensemble of {members.Count} run(s): {string.Join(", ", members.Select(Path.GetFileName))}.");
                    var ensemble = Ensemble.Predict(members, sequences.Select(s => s.Sequence).ToList(), Path.Combine(parse.GetValue(dataDir)!, "models"),
                        parse.GetValue(device)!, parse.GetValue(batch), cancellationToken: ct);
                    var target = parse.GetValue(output)!.FullName;
                    await File.WriteAllTextAsync(target, EnsembleCsv(sequences, ensemble), ct);
                    await parse.InvocationConfiguration.Output.WriteLineAsync($"Wrote {ensemble.Predictions.Count} ensemble prediction(s) of {members.Count} run(s) to {target}.");
                    return 0;
                }
                using var predictor = Predictor.Load(parse.GetValue(run)!.FullName, Path.Combine(parse.GetValue(dataDir)!, "models"), parse.GetValue(device)!, parse.GetValue(model));
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
                await parse.InvocationConfiguration.Output.WriteLineAsync($"Wrote {predictions.Count} prediction(s) to {path}.");
                if (parse.GetValue(attributions) is { } attributionFile)
                {
                    var explained = sequences.Select(s => new { id = s.Id, attribution = ResidueAttributor.Explain(predictor, s.Sequence, parse.GetValue(igSteps), cancellationToken: ct) }).ToList();
                    await File.WriteAllTextAsync(attributionFile.FullName, System.Text.Json.JsonSerializer.Serialize(explained, Services.WorkbenchJson.Options), ct);
                    await parse.InvocationConfiguration.Output.WriteLineAsync($"Wrote attributions of {explained.Count} sequence(s) to {attributionFile.FullName} (largest completeness error {explained.Max(e => Math.Abs(e.attribution.CompletenessError)):G3}).");
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

    /// <summary>The finished runs of one method in a sweep folder, in the sweep's order.</summary>
    /// <exception cref="InvalidDataException">No method named, not a sweep, or no finished run of that method.</exception>
    internal static IReadOnlyList<string> Members(string sweepFolder, string? methodName)
    {
        if (methodName is null || !Enum.TryParse<Engine.Training.AdapterMethod>(methodName, ignoreCase: true, out var method))
            throw new InvalidDataException($"--method: '{methodName}' is not one of full, lora, dora, bidora.");
        var plan = Engine.Training.SweepPlan.Read(sweepFolder);
        var members = plan.Runs().Where(r => r.Method == method && File.Exists(Path.Combine(r.Plan.OutputDirectory, Engine.Training.RunFolder.HeadFile))
                && File.Exists(Path.Combine(r.Plan.OutputDirectory, Engine.Training.RunFolder.MetricsFile)))
            .Select(r => r.Plan.OutputDirectory).ToList();
        return members.Count > 0 ? members : throw new InvalidDataException($"{sweepFolder} has no finished {methodName.ToLowerInvariant()} run.");
    }

    private static string EnsembleCsv(IReadOnlyList<SequenceInput> inputs, EnsembleResult ensemble)
    {
        var sb = new StringBuilder();
        var classes = ensemble.ClassNames ?? [];
        var regression = ensemble.Task == TaskKind.Regression;
        sb.Append(regression ? "id,sequence,value,sd,members" : "id,sequence,predicted" + string.Concat(classes.Select(c => ",p_" + c)) + string.Concat(classes.Select(c => ",sd_" + c)) + ",agreement,members");
        sb.Append('\n');
        string N(double v) => v.ToString("R", CultureInfo.InvariantCulture);
        for (var i = 0; i < ensemble.Predictions.Count; i++)
        {
            var p = ensemble.Predictions[i];
            sb.Append(Quote(inputs[i].Id)).Append(',').Append(inputs[i].Sequence).Append(',');
            if (regression) sb.Append(N(p.Value!.Value)).Append(',').Append(N(p.ValueSd!.Value));
            else
            {
                sb.Append(Quote(p.Label!));
                foreach (var q in p.Probabilities!) sb.Append(',').Append(N(q));
                foreach (var q in p.ProbabilitySd!) sb.Append(',').Append(N(q));
                sb.Append(',').Append(N(p.Agreement!.Value));
            }
            sb.Append(',').Append(p.Members).Append('\n');
        }
        return sb.ToString();
    }

    private static string Quote(string s) => s.IndexOfAny([',', '"', '\n']) >= 0 ? "\"" + s.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : s;
}
