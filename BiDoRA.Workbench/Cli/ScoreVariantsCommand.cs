using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using BiDoRA.Engine.Checkpoints;
using BiDoRA.Engine.Design;
using BiDoRA.Workbench.Services;
using BiDoRA.Workbench.Services.Design;

namespace BiDoRA.Workbench.Cli;

/// <summary><c>score-variants</c>: zero-shot variant effects from a base model (masked or wild-type marginal), with Spearman ρ when DMS scores are given.</summary>
internal static class ScoreVariantsCommand
{
    public static Command Create()
    {
        var model = new Option<string>("--model") { Description = "Model folder (Hugging Face layout, with its masked-LM head) or catalog name, e.g. esm2_t6_8M_UR50D.", Required = true };
        var sequence = new Option<string>("--sequence") { Description = "The wild-type sequence.", Required = true };
        var variants = new Option<FileInfo>("--variants") { Description = "ProteinGym CSV (mutant, optional DMS_score) or one variant per line (A23G, A23G:K45R; 1-based).", Required = true };
        var method = new Option<string>("--method") { Description = "masked (masked marginal, one pass per position) or wildtype (one unmasked pass).", DefaultValueFactory = _ => "masked" };
        method.AcceptOnlyFromAmong("masked", "wildtype");
        var output = new Option<FileInfo>("--output") { Description = "CSV to write: mutant,score,DMS_score.", Required = true };
        var heatmap = new Option<FileInfo?>("--heatmap") { Description = "Also write every position × residue score: position,wild_type,residue,effect." };
        var json = new Option<FileInfo?>("--json") { Description = "Also write everything as JSON." };
        var batch = new Option<int>("--batch-size") { DefaultValueFactory = _ => 8 };
        var device = new Option<string>("--device") { DefaultValueFactory = _ => "auto" };
        var dataDir = new Option<string>("--data-dir") { Description = "Workbench data folder; catalog models live in its models/ folder.", DefaultValueFactory = _ => "./data" };
        var command = new Command("score-variants", "Score variants zero-shot with a base ESM-2 (log p(mt) − log p(wt)); Spearman ρ against DMS scores when given.")
        {
            model, sequence, variants, method, output, heatmap, json, batch, device, dataDir,
        };
        command.SetAction(async (parse, ct) =>
        {
            var stderr = parse.InvocationConfiguration.Error;
            try
            {
                var wt = ZeroShotScorer.NormaliseWildType(parse.GetValue(sequence)!);
                var entries = VariantList.Read(parse.GetValue(variants)!.FullName, wt);
                var folder = ModelResolver.Resolve(parse.GetValue(model)!, Path.Combine(parse.GetValue(dataDir)!, "models"));
                using var scorer = ZeroShotScorer.Load(folder, parse.GetValue(device)!);
                var chosen = parse.GetValue(method) == "wildtype" ? ZeroShotMethod.WildTypeMarginal : ZeroShotMethod.MaskedMarginal;
                var bar = new FractionProgress(stderr, "scoring");
                var scoring = scorer.Score(wt, entries, chosen, parse.GetValue(batch), bar, ct);
                bar.Finish();
                var path = parse.GetValue(output)!.FullName;
                await using (var writer = new StreamWriter(path)) DesignCsv.WriteVariantScores(writer, scoring);
                if (parse.GetValue(heatmap) is { } cells)
                {
                    await using var writer = new StreamWriter(cells.FullName);
                    DesignCsv.WriteCells(writer, scoring.Cells);
                }
                if (parse.GetValue(json) is { } jsonFile)
                {
                    await File.WriteAllTextAsync(jsonFile.FullName, JsonSerializer.Serialize(scoring, WorkbenchJson.Options), ct);
                }
                var rho = scoring.Spearman is { } r ? $" Spearman ρ = {r.ToString("F4", CultureInfo.InvariantCulture)} over {scoring.WithDmsScore} variants with a DMS_score." : "";
                await parse.InvocationConfiguration.Output.WriteLineAsync($"Scored {scoring.Scores.Count} variant(s) to {path}.{rho}");
                return 0;
            }
            catch (Exception e) when (e is ArgumentException or IOException or InvalidDataException or FormatException or CheckpointFormatException)
            {
                await stderr.WriteLineAsync("error: " + e.Message);
                return 1;
            }
        });
        return command;
    }
}
