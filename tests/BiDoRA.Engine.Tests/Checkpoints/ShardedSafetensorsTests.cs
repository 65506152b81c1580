using System.Text.Json;
using BiDoRA.Engine.Checkpoints;
using BiDoRA.Engine.Esm;
using TorchSharp;
using static TorchSharp.torch;

namespace BiDoRA.Engine.Tests.Checkpoints;

public sealed class ShardedSafetensorsTests
{
    private static readonly string FixtureModel = Path.Combine(TestPaths.Fixtures, "esm2-tiny-a", "model");

    /// <summary>Copies the fixture model into <paramref name="folder"/> as <paramref name="shards"/> shards plus an index.</summary>
    internal static Dictionary<string, string> WriteShardedCopy(string folder, int shards)
    {
        File.Copy(Path.Combine(FixtureModel, "config.json"), Path.Combine(folder, "config.json"));
        File.Copy(Path.Combine(FixtureModel, "vocab.txt"), Path.Combine(folder, "vocab.txt"));
        using var source = SafetensorsFile.Open(Path.Combine(FixtureModel, "model.safetensors"));
        var names = source.Names.ToList();
        var weightMap = new Dictionary<string, string>();
        for (var s = 0; s < shards; s++)
        {
            var shardName = $"model-{s + 1:D5}-of-{shards:D5}.safetensors";
            var mine = names.Where((_, i) => i % shards == s).ToList();
            var layout = mine.Select(n => new SafetensorsTensorSpec(n, source.GetInfo(n).DType, source.GetInfo(n).Shape)).ToList();
            SafetensorsWriter.Write(Path.Combine(folder, shardName), layout, n => source.Read(n));
            foreach (var n in mine)
            {
                weightMap[n] = shardName;
            }
        }
        WriteIndex(folder, weightMap);
        return weightMap;
    }

    private static void WriteIndex(string folder, Dictionary<string, string> weightMap) =>
        File.WriteAllText(Path.Combine(folder, ShardedSafetensors.IndexFileName),
            JsonSerializer.Serialize(new { metadata = new { total_size = 0 }, weight_map = weightMap }));

    [Fact]
    public void Sharded_copy_of_the_fixture_loads_and_computes_identical_logits()
    {
        using var dir = new TempDirectory();
        WriteShardedCopy(dir.Path, shards: 3);
        Assert.False(File.Exists(dir.File("model.safetensors")));

        var (sharded, report) = EsmModel.FromPretrained(dir.Path, dtype: float64);
        var (single, _) = EsmModel.FromPretrained(FixtureModel, dtype: float64);
        using var _a = sharded;
        using var _b = single;
        Assert.Equal(dir.File(ShardedSafetensors.IndexFileName), report.Source);
        Assert.Empty(report.Unexpected);

        using var batch = single.Tokenizer.EncodeBatch(["MKTAYIAK<mask>RQISF", "GIGKFL"]);
        using var a = sharded.forward(batch.InputIds, batch.AttentionMask);
        using var b = single.forward(batch.InputIds, batch.AttentionMask);
        Assert.True(a.eq(b).all().item<bool>());
    }

    [Fact]
    public void Index_naming_a_missing_shard_is_rejected()
    {
        using var dir = new TempDirectory();
        var map = WriteShardedCopy(dir.Path, shards: 2);
        File.Delete(dir.File(map.Values.First()));
        var e = Assert.Throws<CheckpointFormatException>(() => ShardedSafetensors.Open(dir.File(ShardedSafetensors.IndexFileName)));
        Assert.Contains(ShardedSafetensors.IndexFileName, e.Message);
        Assert.Contains("does not exist", e.Message);
    }

    [Fact]
    public void Index_placing_a_tensor_in_the_wrong_shard_is_rejected()
    {
        using var dir = new TempDirectory();
        var map = WriteShardedCopy(dir.Path, shards: 2);
        var name = map.Keys.First();
        map[name] = map.Values.Distinct().Single(v => v != map[name]);
        WriteIndex(dir.Path, map);
        var e = Assert.Throws<CheckpointFormatException>(() => ShardedSafetensors.Open(dir.File(ShardedSafetensors.IndexFileName)));
        Assert.Contains($"'{name}'", e.Message);
    }

    [Theory]
    [InlineData("{\"metadata\": {}}", "weight_map")]
    [InlineData("{\"weight_map\": {\"a\": 3}}", "must name a shard")]
    [InlineData("{\"weight_map\": {\"a\": \"../outside.safetensors\"}}", "not a file in the index's folder")]
    [InlineData("nonsense", "not valid JSON")]
    public void Malformed_index_is_rejected(string json, string problem)
    {
        using var dir = new TempDirectory();
        File.WriteAllText(dir.File(ShardedSafetensors.IndexFileName), json);
        var e = Assert.Throws<CheckpointFormatException>(() => ShardedSafetensors.Open(dir.File(ShardedSafetensors.IndexFileName)));
        Assert.Contains(problem, e.Message);
        Assert.Contains(dir.File(ShardedSafetensors.IndexFileName), e.Message);
    }
}
