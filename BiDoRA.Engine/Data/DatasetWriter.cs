using System.Text;

namespace BiDoRA.Engine.Data;

/// <summary>Writes a dataset as normalised CSV (id,sequence,label,split) that imports back to the same dataset.</summary>
public static class DatasetWriter
{
    public const string Header = "id,sequence,label,split";

    public static void WriteCsv(SequenceDataset dataset, string path)
    {
        var temporary = path + ".partial";
        using (var writer = new StreamWriter(temporary, false, new UTF8Encoding(false)))
        {
            WriteCsv(dataset, writer);
        }
        File.Move(temporary, path, overwrite: true);
    }

    /// <summary>Writes to an open writer (the caller decides where the bytes go and when they become visible).</summary>
    public static void WriteCsv(SequenceDataset dataset, TextWriter writer)
    {
        using var csv = CsvOutput.Open(writer, quoteUntrimmed: true);
        csv.Row(Header.Split(','));
        foreach (var r in dataset.Records)
        {
            csv.Row([r.Id, r.Sequence, r.RawLabel, r.Split == DatasetSplit.Train ? "train" : "test"]);
        }
    }
}
