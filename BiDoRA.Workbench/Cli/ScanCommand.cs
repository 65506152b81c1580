using System.CommandLine;
using System.Text.Json;
using BiDoRA.Engine.Data;
using BiDoRA.Engine.Design;
using BiDoRA.Engine.Prediction;
using BiDoRA.Workbench.Services;
using BiDoRA.Workbench.Services.Design;

namespace BiDoRA.Workbench.Cli;

/// <summary>
/// <c>scan</c>: saturation mutagenesis of sequences with a trained run (several <c>--run</c>s: an ensemble, mean and sd),
/// and optionally design rounds over the best singles. Runs load through <see cref="Predictor.Load"/>, as <c>predict</c>'s do.
/// </summary>
internal static class ScanCommand
{
    public static Command Create()
    {
        var runs = new Option<DirectoryInfo[]>("--run") { Description = "A finished run folder (or PEFT/merged folder). Give several for an ensemble.", Required = true, AllowMultipleArgumentsPerToken = true };
        var sequence = new Option<string?>("--sequence") { Description = "The wild-type sequence." };
        var input = new Option<FileInfo?>("--input") { Description = "Or: FASTA, CSV/TSV with a sequence column, or one sequence per line; each is scanned." };
        var output = new Option<FileInfo>("--output") { Description = "CSV to write: id,mutation,position,wild_type,residue,score,effect,sd (the WT row first).", Required = true };
        var json = new Option<FileInfo?>("--json") { Description = "Also write the scans as JSON." };
        var fixedPositions = new Option<string?>("--fixed") { Description = "Positions kept fixed, 1-based: 1,5-7." };
        var allowed = new Option<string?>("--allowed") { Description = "Residues allowed per position: 3:AG;10:KR (all 20 elsewhere)." };
        var className = new Option<string?>("--class") { Description = "Classification: the class whose probability is scored (default: the last, a binary task's positive)." };
        var rounds = new Option<int>("--design-rounds") { Description = "Also combine the best singles, up to this many mutations (0: no design).", DefaultValueFactory = _ => 0 };
        var beam = new Option<int>("--beam") { Description = "Candidates kept per design round (1 = greedy).", DefaultValueFactory = _ => 1 };
        var pool = new Option<int>("--pool") { Description = "Best singles combined in design rounds.", DefaultValueFactory = _ => 20 };
        var lowest = new Option<bool>("--lowest") { Description = "Design towards a lower score (e.g. MIC)." };
        var designOutput = new Option<FileInfo?>("--design-output") { Description = "CSV of design candidates (default: next to --output, *-design.csv)." };
        var batch = new Option<int>("--batch-size") { DefaultValueFactory = _ => 64 };
        var device = new Option<string>("--device") { DefaultValueFactory = _ => "auto" };
        var dataDir = new Option<string>("--data-dir") { DefaultValueFactory = _ => "./data" };
        var command = new Command("scan", "Predict every single substitution of a sequence with a trained run (saturation mutagenesis), optionally with design rounds.")
        {
            runs, sequence, input, output, json, fixedPositions, allowed, className, rounds, beam, pool, lowest, designOutput, batch, device, dataDir,
        };
        command.SetAction(async (parse, ct) =>
        {
            var stderr = parse.InvocationConfiguration.Error;
            var predictors = new List<Predictor>();
            try
            {
                var inputs = (parse.GetValue(sequence), parse.GetValue(input)) switch
                {
                    ({ } s, null) => [new SequenceInput("sequence", s, "--sequence")],
                    (null, { } file) => InputSequences.Read(file.FullName),
                    _ => throw new ArgumentException("Give --sequence or --input (one of them)."),
                };
                foreach (var run in parse.GetValue(runs)!)
                {
                    predictors.Add(Predictor.Load(run.FullName, Path.Combine(parse.GetValue(dataDir)!, "models"), parse.GetValue(device)!));
                }
                var scanner = new MutationalScanner(predictors, parse.GetValue(className)) { BatchSize = parse.GetValue(batch) };
                var scans = new List<(string, ScanResult)>();
                var designs = new List<(string, DesignResult)>();
                foreach (var item in inputs)
                {
                    string wt;
                    MutationConstraints constraints;
                    try
                    {
                        wt = MutationalScanner.NormaliseSequence(item.Sequence);
                        constraints = MutationConstraints.Parse(parse.GetValue(fixedPositions), parse.GetValue(allowed), wt.Length);
                    }
                    catch (Exception e) when (e is ArgumentException or FormatException)
                    {
                        throw new InvalidDataException($"{item.Location}: {e.Message}");
                    }
                    var bar = new FractionProgress(stderr, $"scan {item.Id}");
                    var scan = scanner.Scan(wt, constraints, bar, ct);
                    bar.Finish();
                    scans.Add((item.Id, scan));
                    if (parse.GetValue(rounds) > 0)
                    {
                        var options = new DesignOptions { MaxMutations = parse.GetValue(rounds), BeamWidth = parse.GetValue(beam), PoolSize = parse.GetValue(pool), Lowest = parse.GetValue(lowest) };
                        designs.Add((item.Id, DesignSearch.Run(scanner, scan, options, null, ct)));
                    }
                }
                var path = parse.GetValue(output)!.FullName;
                await using (var writer = new StreamWriter(path))
                {
                    DesignCsv.WriteScan(writer, scans);
                }
                var message = $"Wrote {scans.Sum(s => s.Item2.Cells.Count)} substitution(s) of {scans.Count} sequence(s) to {path}.";
                if (designs.Count > 0)
                {
                    var designPath = parse.GetValue(designOutput)?.FullName ?? Path.Combine(Path.GetDirectoryName(path)!, Path.GetFileNameWithoutExtension(path) + "-design.csv");
                    await using var writer = new StreamWriter(designPath);
                    DesignCsv.WriteDesign(writer, designs);
                    message += $" Design candidates: {designPath}.";
                }
                if (parse.GetValue(json) is { } jsonFile)
                {
                    await File.WriteAllTextAsync(jsonFile.FullName, JsonSerializer.Serialize(new { scans = scans.Select(s => new { id = s.Item1, scan = s.Item2 }), designs = designs.Select(d => new { id = d.Item1, design = d.Item2 }) }, WorkbenchJson.Options), ct);
                }
                await parse.InvocationConfiguration.Output.WriteLineAsync(message);
                return 0;
            }
            catch (Exception e) when (e is ArgumentException or IOException or InvalidDataException or FormatException)
            {
                await stderr.WriteLineAsync("error: " + e.Message);
                return 1;
            }
            finally
            {
                foreach (var p in predictors) p.Dispose();
            }
        });
        return command;
    }
}
