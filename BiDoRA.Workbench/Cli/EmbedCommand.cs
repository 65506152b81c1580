using BiDoRA.Engine.Data;
using System.CommandLine;
using System.Text.Json;
using BiDoRA.Engine.Checkpoints;
using BiDoRA.Engine.Esm;

namespace BiDoRA.Workbench.Cli;

/// <summary>
/// <c>embed</c>: runs a model over sequences and writes, per sequence, the mean-pooled final embedding over residues
/// and the masked-LM logits at every position, so the model can be checked against other tools.
/// </summary>
internal static class EmbedCommand
{
    public static Command Create()
    {
        var model = new Option<string>("--model") { Description = "Model folder (Hugging Face layout) or catalog name, e.g. tiny or esm2_t6_8M_UR50D.", Required = true };
        var input = new Option<FileInfo>("--input") { Description = "FASTA, CSV/TSV with a sequence column, or one sequence per line; <mask> may be written inline.", Required = true };
        var output = new Option<FileInfo>("--output") { Description = "JSON file to write.", Required = true };
        var batchSize = new Option<int>("--batch-size") { Description = "Sequences per forward pass.", DefaultValueFactory = _ => 8 };
        var dtype = new Option<string>("--dtype") { Description = "float32 or float64.", DefaultValueFactory = _ => "float32" };
        dtype.AcceptOnlyFromAmong("float32", "float64");
        var device = new Option<string>("--device") { Description = "auto, cpu, cuda or cuda:N.", DefaultValueFactory = _ => "auto" };
        var truncate = new Option<bool>("--truncate") { Description = $"Cut sequences longer than {EsmTokenizer.MaxResidues} residues instead of failing." };
        var dataDir = new Option<string>("--data-dir") { Description = "Workbench data folder; catalog models live in its models/ folder.", DefaultValueFactory = _ => "./data" };
        var command = new Command("embed", "Compute mean embeddings and masked-LM logits for sequences and write them as JSON.")
        {
            model, input, output, batchSize, dtype, device, truncate, dataDir,
        };
        command.SetAction((parse, ct) => RunAsync(new EmbedOptions(
            parse.GetValue(model)!,
            parse.GetValue(input)!.FullName,
            parse.GetValue(output)!.FullName,
            parse.GetValue(batchSize),
            parse.GetValue(dtype) == "float64" ? EsmPrecision.Float64 : EsmPrecision.Float32,
            parse.GetValue(device)!,
            parse.GetValue(truncate),
            parse.GetValue(dataDir)!), parse.InvocationConfiguration.Output, parse.InvocationConfiguration.Error, ct));
        return command;
    }

    internal sealed record EmbedOptions(string Model, string Input, string Output, int BatchSize, EsmPrecision Precision, string Device, bool Truncate, string DataDir);

    internal static async Task<int> RunAsync(EmbedOptions options, TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken)
    {
        try
        {
            if (options.BatchSize < 1)
            {
                throw new ArgumentException($"--batch-size must be at least 1, not {options.BatchSize}.");
            }
            var sequences = InputSequences.Read(options.Input, checkResidues: false);
            var folder = ModelResolver.Resolve(options.Model, Path.Combine(options.DataDir, "models"));
            using var embedder = EsmEmbedder.Load(folder, options.Precision, options.Device);
            int? maxResidues = options.Truncate ? EsmTokenizer.MaxResidues : null;
            Validate(sequences, new EsmTokenizer(embedder.Vocabulary), maxResidues);
            foreach (var unexpected in embedder.Report.Unexpected)
            {
                await stderr.WriteLineAsync($"warning: {embedder.Report.Source}: tensor '{unexpected}' is not used by the model.");
            }
            foreach (var warning in embedder.Report.Warnings)
            {
                await stderr.WriteLineAsync($"warning: {warning}");
            }
            await WriteAsync(options, folder, embedder, sequences, maxResidues, cancellationToken);
            await stdout.WriteLineAsync($"Embedded {Components.Display.Plural(sequences.Count, "sequence")} with {folder} ({options.Precision.ToString().ToLowerInvariant()}) into {options.Output}.");
            return 0;
        }
        catch (Exception e) when (e is ArgumentException or IOException or InvalidDataException or FormatException or UnauthorizedAccessException)
        {
            await stderr.WriteLineAsync("error: " + e.Message);
            return 1;
        }
    }

    private static void Validate(IReadOnlyList<SequenceInput> sequences, EsmTokenizer tokenizer, int? maxResidues)
    {
        foreach (var s in sequences)
        {
            int[] ids;
            try
            {
                ids = tokenizer.Encode(s.Sequence, maxResidues);
            }
            catch (SequenceFormatException e)
            {
                throw new InvalidDataException($"{s.Location}: {e.Message}", e);
            }
            if (ids.Length - 2 > EsmTokenizer.MaxResidues)
            {
                throw new InvalidDataException(
                    $"{s.Location}: {ids.Length - 2} residues, more than the {EsmTokenizer.MaxResidues} ESM-2 was trained on. Pass --truncate to use the first {EsmTokenizer.MaxResidues}.");
            }
        }
    }

    private static async Task WriteAsync(EmbedOptions options, string folder, EsmEmbedder embedder, IReadOnlyList<SequenceInput> sequences, int? maxResidues, CancellationToken cancellationToken)
    {
        var single = options.Precision == EsmPrecision.Float32;
        void Number(Utf8JsonWriter json, double value)
        {
            // Float32 results are written with float32's shortest round-trip digits.
            if (single)
            {
                json.WriteNumberValue((float)value);
            }
            else
            {
                json.WriteNumberValue(value);
            }
        }

        Directory.CreateDirectory(Path.GetDirectoryName(options.Output)!);
        var partial = options.Output + ".partial";
        try
        {
            await using (var stream = File.Create(partial))
            await using (var json = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = false }))
            {
                json.WriteStartObject();
                json.WriteString("model", folder);
                json.WriteString("dtype", single ? "float32" : "float64");
                json.WriteNumber("hidden_size", embedder.Config.HiddenSize);
                json.WriteStartArray("vocabulary");
                foreach (var token in embedder.Vocabulary)
                {
                    json.WriteStringValue(token);
                }
                json.WriteEndArray();
                json.WriteStartArray("sequences");
                var texts = sequences.Select(s => s.Sequence).ToArray();
                await foreach (var result in embedder.EmbedAsync(texts, options.BatchSize, maxResidues, cancellationToken))
                {
                    json.WriteStartObject();
                    json.WriteString("id", sequences[result.Index].Id);
                    json.WriteString("sequence", result.Sequence);
                    json.WriteStartArray("tokens");
                    foreach (var token in result.Tokens)
                    {
                        json.WriteStringValue(token);
                    }
                    json.WriteEndArray();
                    json.WriteStartArray("mean_embedding");
                    foreach (var value in result.MeanEmbedding)
                    {
                        Number(json, value);
                    }
                    json.WriteEndArray();
                    json.WriteStartArray("logits");
                    foreach (var row in result.Logits)
                    {
                        json.WriteStartArray();
                        foreach (var value in row)
                        {
                            Number(json, value);
                        }
                        json.WriteEndArray();
                    }
                    json.WriteEndArray();
                    json.WriteEndObject();
                    await json.FlushAsync(cancellationToken);
                }
                json.WriteEndArray();
                json.WriteEndObject();
            }
            File.Move(partial, options.Output, overwrite: true);
        }
        catch
        {
            File.Delete(partial);
            throw;
        }
    }
}
