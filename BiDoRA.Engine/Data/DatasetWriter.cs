using System.Text;

namespace BiDoRA.Engine.Data;

/// <summary>Writes a dataset as normalised CSV (id,sequence,label,split) that imports back to the same dataset.</summary>
public static class DatasetWriter
{
    public static void WriteCsv(SequenceDataset dataset, string path)
    {
        var temporary = path + ".partial";
        using (var writer = new StreamWriter(temporary, false, new UTF8Encoding(false)))
        {
            writer.Write("id,sequence,label,split\n");
            foreach (var r in dataset.Records)
            {
                writer.Write($"{Quote(r.Id)},{r.Sequence},{Quote(r.RawLabel)},{(r.Split == DatasetSplit.Train ? "train" : "test")}\n");
            }
        }
        File.Move(temporary, path, overwrite: true);
    }

    private static string Quote(string s) =>
        s.IndexOfAny([',', '"', '\n', '\r']) >= 0 || s != s.Trim() ? "\"" + s.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : s;
}
