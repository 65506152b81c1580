using System.Globalization;
using BiDoRA.Engine.Data;
using BiDoRA.Workbench.Services.Datasets;

namespace BiDoRA.Workbench.Api;

/// <summary>The optional form fields beside an uploaded dataset file, checked field by field.</summary>
internal static class DatasetImportForm
{
    public static (DatasetImportRequest Request, Dictionary<string, string[]> Errors) Parse(IFormCollection form)
    {
        var errors = new Dictionary<string, string[]>();
        string? Text(string field) => form.TryGetValue(field, out var v) && !string.IsNullOrWhiteSpace(v.ToString()) ? v.ToString().Trim() : null;

        TaskKind? task = null;
        if (Text("task") is { } t && !t.Equals("auto", StringComparison.OrdinalIgnoreCase))
        {
            if (Enum.TryParse<TaskKind>(t, ignoreCase: true, out var parsed) && Enum.IsDefined(parsed) && !int.TryParse(t, out _)) task = parsed;
            else errors["task"] = [$"'{t}' is not one of auto, binary, multiclass, regression."];
        }

        var longSequences = LongSequencePolicy.Truncate;
        if (Text("longSequences") is { } l)
        {
            if (Enum.TryParse<LongSequencePolicy>(l, ignoreCase: true, out var parsed) && Enum.IsDefined(parsed) && !int.TryParse(l, out _)) longSequences = parsed;
            else errors["longSequences"] = [$"'{l}' is not one of truncate, refuse."];
        }

        var drop = false;
        if (Text("dropInvalidRows") is { } d)
        {
            if (d.ToLowerInvariant() is "true" or "on" or "1" or "yes") drop = true;
            else if (d.ToLowerInvariant() is not ("false" or "off" or "0" or "no")) errors["dropInvalidRows"] = [$"'{d}' is not true or false."];
        }

        double? testFraction = null;
        if (Text("testFraction") is { } f)
        {
            if (double.TryParse(f, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) && v >= 0 && v < 1) testFraction = v;
            else errors["testFraction"] = [$"'{f}' must be a number from 0 up to (not including) 1, such as 0.2."];
        }

        var name = Text("name");
        if (name is { Length: > 200 }) errors["name"] = ["must be at most 200 characters."];

        var request = new DatasetImportRequest
        {
            Name = name,
            SequenceColumn = Text("sequenceColumn"),
            LabelColumn = Text("labelColumn"),
            IdColumn = Text("idColumn"),
            SplitColumn = Text("splitColumn"),
            Task = task,
            Sheet = Text("sheet"),
            LongSequences = longSequences,
            DropInvalidRows = drop,
            TestFraction = testFraction,
        };
        return (request, errors);
    }
}
