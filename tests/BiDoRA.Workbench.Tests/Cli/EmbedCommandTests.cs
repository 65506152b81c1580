using System.CommandLine;
using System.Text.Json;
using BiDoRA.Engine.Checkpoints;
using BiDoRA.Workbench.Cli;
using TorchSharp;

namespace BiDoRA.Workbench.Tests.Cli;

/// <summary>The <c>embed</c> verb, run through the executable's entry point on the esm2-tiny-a fixture.</summary>
public sealed class EmbedCommandTests : IDisposable
{
    private static readonly string Fixture = Path.Combine(TestPaths.Fixtures, "esm2-tiny-a");
    private readonly string _dir = Directory.CreateTempSubdirectory("bidora-embed-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static (string Id, string Sequence)[] FixtureSequences()
    {
        using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(Fixture, "reference.json")));
        return json.RootElement.GetProperty("sequences").EnumerateArray()
            .Select(s => (s.GetProperty("id").GetString()!, s.GetProperty("sequence").GetString()!)).ToArray();
    }

    private async Task<(int Code, string Output, string Error, JsonDocument? Json)> Embed(string input, params string[] extra)
    {
        var output = Path.Combine(_dir, Guid.NewGuid().ToString("N") + ".json");
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var code = await CommandLineApp.RunAsync(["embed", "--input", input, "--output", output, "--device", "cpu", .. extra],
            new InvocationConfiguration { Output = stdout, Error = stderr });
        var json = File.Exists(output) ? JsonDocument.Parse(File.ReadAllText(output)) : null;
        return (code, stdout.ToString(), stderr.ToString(), json);
    }

    private string Fasta()
    {
        var path = Path.Combine(_dir, "input.fasta");
        File.WriteAllLines(path, FixtureSequences().SelectMany(s => new[] { $">{s.Id} from the fixture", s.Sequence }));
        return path;
    }

    /// <summary>Largest elementwise |Δ| − (abs + rel·|ref|); ≤ 0 means within tolerance.</summary>
    private static double WorstExcess(IEnumerable<double> actual, IEnumerable<double> expected, double abs, double rel) =>
        actual.Zip(expected, (a, e) => Math.Abs(a - e) - (abs + rel * Math.Abs(e))).Max();

    private static void AssertMatchesReference(JsonDocument json, string suffix, double stateAbs, double logitAbs, double rel)
    {
        using var reference = SafetensorsFile.Open(Path.Combine(Fixture, "reference.safetensors"));
        using var mean = reference.Read("mean_embedding" + suffix, torch.float64);
        using var logits = reference.Read("logits" + suffix, torch.float64);
        using var mask = reference.Read("attention_mask");
        var sequences = json.RootElement.GetProperty("sequences").EnumerateArray().ToArray();
        var expected = FixtureSequences();
        Assert.Equal(expected.Length, sequences.Length);
        var (hidden, vocabulary) = (mean.shape[1], logits.shape[2]);
        Assert.Equal(hidden, json.RootElement.GetProperty("hidden_size").GetInt64());
        for (var b = 0; b < sequences.Length; b++)
        {
            var s = sequences[b];
            Assert.Equal(expected[b].Id, s.GetProperty("id").GetString());
            Assert.Equal(expected[b].Sequence, s.GetProperty("sequence").GetString());
            var tokens = s.GetProperty("tokens").GetArrayLength();
            Assert.Equal(mask[b].sum().item<long>(), tokens);

            var embedding = s.GetProperty("mean_embedding").EnumerateArray().Select(v => v.GetDouble()).ToArray();
            Assert.Equal(hidden, embedding.Length);
            Assert.True(WorstExcess(embedding, mean[b].data<double>().ToArray(), stateAbs, rel) <= 0, $"mean_embedding of {expected[b].Id}");

            var rows = s.GetProperty("logits").EnumerateArray().ToArray();
            Assert.Equal(tokens, rows.Length);
            for (var t = 0; t < tokens; t++)
            {
                var row = rows[t].EnumerateArray().Select(v => v.GetDouble()).ToArray();
                Assert.Equal(vocabulary, row.Length);
                Assert.True(WorstExcess(row, logits[b, t].data<double>().ToArray(), logitAbs, rel) <= 0, $"logits of {expected[b].Id} at {t}");
            }
        }
    }

    [Fact]
    public async Task Fasta_embeddings_and_logits_match_the_float32_reference()
    {
        var (code, output, error, json) = await Embed(Fasta(), "--model", Path.Combine(Fixture, "model"), "--batch-size", "4");
        Assert.True(code == 0, error);
        Assert.Contains($"Embedded {FixtureSequences().Length} sequences", output);
        using var _ = json!;
        Assert.Equal("float32", json!.RootElement.GetProperty("dtype").GetString());
        // Fixtures README, float32: 2e-5 + 1e-5·|ref| for embeddings, 1e-4 + 1e-5·|ref| for logits.
        AssertMatchesReference(json, ".f32", 2e-5, 1e-4, 1e-5);
    }

    [Fact]
    public async Task Tiny_catalog_model_in_float64_matches_the_float64_reference()
    {
        var (code, _, error, json) = await Embed(Fasta(), "--model", "tiny", "--dtype", "float64", "--data-dir", _dir);
        Assert.True(code == 0, error);
        using var _ = json!;
        AssertMatchesReference(json!, ".f64", 1e-10, 1e-10, 0);
    }

    [Fact]
    public async Task Csv_and_plain_line_inputs_give_the_same_numbers_as_fasta()
    {
        var sequences = FixtureSequences();
        var csv = Path.Combine(_dir, "input.csv");
        File.WriteAllLines(csv, ["name,label,Sequence", .. sequences.Select(s => $"{s.Id},1,\"{s.Sequence}\"")]);
        var plain = Path.Combine(_dir, "input.txt");
        File.WriteAllLines(plain, sequences.Select(s => s.Sequence));
        var model = Path.Combine(Fixture, "model");

        var fromFasta = await Embed(Fasta(), "--model", model);
        var fromCsv = await Embed(csv, "--model", model, "--batch-size", "1");
        var fromPlain = await Embed(plain, "--model", model, "--batch-size", "6");
        Assert.True(fromCsv.Code == 0, fromCsv.Error);
        Assert.True(fromPlain.Code == 0, fromPlain.Error);
        var a = fromFasta.Json!.RootElement.GetProperty("sequences").EnumerateArray().ToArray();
        var b = fromCsv.Json!.RootElement.GetProperty("sequences").EnumerateArray().ToArray();
        var c = fromPlain.Json!.RootElement.GetProperty("sequences").EnumerateArray().ToArray();
        for (var i = 0; i < a.Length; i++)
        {
            Assert.Equal(a[i].GetProperty("id").GetString(), b[i].GetProperty("id").GetString());
            Assert.Equal($"seq{i + 1}", c[i].GetProperty("id").GetString());
            var reference = a[i].GetProperty("mean_embedding").EnumerateArray().Select(v => v.GetDouble()).ToArray();
            // Batches of other sizes pad differently, which moves float32 rounding (README tolerance for embeddings).
            Assert.True(WorstExcess(b[i].GetProperty("mean_embedding").EnumerateArray().Select(v => v.GetDouble()), reference, 2e-5, 1e-5) <= 0, $"csv {i}");
            Assert.True(WorstExcess(c[i].GetProperty("mean_embedding").EnumerateArray().Select(v => v.GetDouble()), reference, 2e-5, 1e-5) <= 0, $"plain {i}");
        }
    }

    [Fact]
    public async Task Invalid_residue_fails_naming_file_row_column_and_position()
    {
        var csv = Path.Combine(_dir, "bad.csv");
        File.WriteAllLines(csv, ["id,sequence", "a,MKTAY", "b,MK*AY"]);
        var (code, _, error, json) = await Embed(csv, "--model", Path.Combine(Fixture, "model"));
        Assert.Equal(1, code);
        Assert.Null(json);
        Assert.Contains(csv, error);
        Assert.Contains("row 3", error);
        Assert.Contains("column 'sequence'", error);
        Assert.Contains("position 3", error);
        Assert.Empty(Directory.GetFiles(_dir, "*.partial"));
    }

    [Fact]
    public async Task Catalog_model_not_downloaded_fails_saying_how_to_get_it()
    {
        var (code, _, error, _) = await Embed(Fasta(), "--model", "esm2_t6_8M_UR50D", "--data-dir", _dir);
        Assert.Equal(1, code);
        Assert.Contains("not downloaded", error);
        Assert.Contains("facebook/esm2_t6_8M_UR50D", error);
    }

    [Fact]
    public async Task Csv_without_a_sequence_column_lists_the_header()
    {
        var csv = Path.Combine(_dir, "nocol.csv");
        // "peptide" names a sequence column (as on the Predict page), so this header has none.
        File.WriteAllLines(csv, ["id,score", "a,0.5"]);
        var (code, _, error, _) = await Embed(csv, "--model", Path.Combine(Fixture, "model"));
        Assert.Equal(1, code);
        Assert.Contains("No sequence column", error);
        Assert.Contains("'score'", error);
    }
}
