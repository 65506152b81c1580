using System.CommandLine;
using System.Text.Json;
using System.Text.Json.Serialization;
using BiDoRA.Engine.Data;

namespace BiDoRA.Workbench.Cli;

/// <summary><c>inspect</c>: what an import would make of a file, as JSON; exit 0 when importable, 2 when not.</summary>
internal static class InspectCommand
{
    public static Command Create()
    {
        var dataset = new Option<FileInfo>("--dataset") { Description = "CSV, TSV, FASTA or XLSX.", Required = true };
        var testFile = new Option<FileInfo?>("--test-file") { Description = "Optional separate test file." };
        var sequenceColumn = new Option<string?>("--sequence-column");
        var labelColumn = new Option<string?>("--label-column");
        var task = new Option<string?>("--task") { Description = "binary, multiclass or regression (default: inferred)." };
        task.AcceptOnlyFromAmong("binary", "multiclass", "regression");
        var sheet = new Option<string?>("--sheet") { Description = "Excel sheet (default: the first)." };
        var drop = new Option<bool>("--drop-invalid") { Description = "Drop rows with errors instead of refusing the file." };
        var command = new Command("inspect", "Show the detected format, columns, task, counts, statistics and every problem of a dataset file.")
        {
            dataset, testFile, sequenceColumn, labelColumn, task, sheet, drop,
        };
        command.SetAction(async (parse, ct) =>
        {
            var options = new ImportOptions
            {
                SequenceColumn = parse.GetValue(sequenceColumn),
                LabelColumn = parse.GetValue(labelColumn),
                Task = parse.GetValue(task) switch { "binary" => TaskKind.Binary, "multiclass" => TaskKind.Multiclass, "regression" => TaskKind.Regression, _ => null },
                Sheet = parse.GetValue(sheet),
                DropInvalidRows = parse.GetValue(drop),
            };
            ImportResult result;
            try
            {
                var path = parse.GetValue(dataset)!.FullName;
                result = parse.GetValue(testFile) is { } test
                    ? DatasetImporter.ImportPair(path, test.FullName, options, ct)
                    : DatasetImporter.Import(path, options, ct);
            }
            catch (DatasetImportException e)
            {
                await parse.InvocationConfiguration.Error.WriteLineAsync("error: " + e.Message);
                return 2;
            }
            await parse.InvocationConfiguration.Output.WriteLineAsync(JsonSerializer.Serialize(Describe(result), Json));
            return result.IsImportable ? 0 : 2;
        });
        return command;
    }

    private static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase) },
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    private static object Describe(ImportResult r) => new
    {
        file = r.FileName,
        format = r.Format,
        importable = r.IsImportable,
        columns = r.Columns,
        detected = r.Detected,
        task = r.Task,
        classNames = r.ClassNames,
        counts = r.Statistics is { } s ? new { rows = s.Rows, train = s.TrainRows, test = s.TestRows, classes = s.ClassCounts, trainClasses = s.TrainClassCounts, testClasses = s.TestClassCounts } : null,
        statistics = r.Statistics,
        errors = r.Errors,
        errorsNotShown = r.ErrorsNotShown,
        warnings = r.Warnings,
        warningsNotShown = r.WarningsNotShown,
    };
}
