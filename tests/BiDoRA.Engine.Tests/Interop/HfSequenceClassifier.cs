using System.Text.Json.Nodes;
using BiDoRA.Engine.Checkpoints;
using TorchSharp;
using static TorchSharp.torch;

namespace BiDoRA.Engine.Tests.Interop;

/// <summary>
/// transformers' EsmForSequenceClassification written out here, in float64, over tensors found by their Hugging
/// Face names (esm.*, classifier.*): token-dropout-scaled embeddings, pre-LayerNorm layers with rotary self-attention
/// (query scaled by d^-1/2 before the rotation) and an erf GELU feed-forward, emb_layer_norm_after, then
/// EsmClassificationHead on &lt;cls&gt;: dense, tanh, out_proj. None of the engine's model code is used, so a test can
/// check exported or imported weights against it.
/// </summary>
internal sealed class HfSequenceClassifier : IDisposable
{
    private readonly Dictionary<string, Tensor> _w;
    private readonly int _layers;
    private readonly int _heads;
    private readonly double _eps;
    private readonly bool _tokenDropout;
    private readonly long _maskId;

    public HfSequenceClassifier(IReadOnlyDictionary<string, Tensor> weights, JsonObject config)
    {
        _w = weights.ToDictionary(kv => kv.Key, kv => kv.Value.to(float64));
        _layers = (int)config["num_hidden_layers"]!;
        _heads = (int)config["num_attention_heads"]!;
        _eps = (double)config["layer_norm_eps"]!;
        _tokenDropout = (bool?)config["token_dropout"] ?? false;
        _maskId = (long?)config["mask_token_id"] ?? 32;
    }

    /// <summary>Every tensor of a safetensors file, by name.</summary>
    public static Dictionary<string, Tensor> ReadAll(string path)
    {
        using var file = SafetensorsFile.Open(path);
        return file.Names.ToDictionary(n => n, n => file.Read(n, float64));
    }

    public static JsonObject Config(string folder) => (JsonObject)JsonNode.Parse(File.ReadAllText(Path.Combine(folder, "config.json")))!;

    /// <summary>Logits [B, K] for right-padded token ids and attention mask [B, T].</summary>
    public Tensor Logits(Tensor inputIds, Tensor attentionMask)
    {
        using var scope = NewDisposeScope();
        var mask = attentionMask.to(float64);
        var x = W("esm.embeddings.word_embeddings.weight").index_select(0, inputIds.flatten()).view(inputIds.shape[0], inputIds.shape[1], -1);
        if (_tokenDropout)
        {
            var isMask = inputIds.eq(_maskId);
            x = x.masked_fill(isMask.unsqueeze(-1), 0.0);
            var observed = isMask.sum(-1).to(float64) / mask.sum(-1);
            x = x * (1 - 0.15 * 0.8) / (1 - observed).view(-1, 1, 1);
        }
        x = x * mask.unsqueeze(-1);
        var (batch, length, hidden) = (x.shape[0], x.shape[1], x.shape[2]);
        var headSize = hidden / _heads;
        var padding = attentionMask.eq(0).view(batch, 1, 1, length);
        for (var l = 0; l < _layers; l++)
        {
            var p = $"esm.encoder.layer.{l}.";
            var h = Norm(x, p + "attention.LayerNorm");
            var q = Heads(Linear(h, p + "attention.self.query"), batch, length, headSize) * Math.Pow(headSize, -0.5);
            var k = Heads(Linear(h, p + "attention.self.key"), batch, length, headSize);
            var v = Heads(Linear(h, p + "attention.self.value"), batch, length, headSize);
            (q, k) = (Rotate(q, p, headSize), Rotate(k, p, headSize));
            var scores = einsum("bhqd,bhkd->bhqk", q, k).masked_fill(padding, double.NegativeInfinity);
            var context = einsum("bhqk,bhkd->bhqd", nn.functional.softmax(scores, -1), v).transpose(1, 2).reshape(batch, length, hidden);
            x = x + Linear(context, p + "attention.output.dense");
            var f = Norm(x, p + "LayerNorm");
            var g = Linear(f, p + "intermediate.dense");
            g = g * 0.5 * (1 + special.erf(g / Math.Sqrt(2)));
            x = x + Linear(g, p + "output.dense");
        }
        x = Norm(x, "esm.encoder.emb_layer_norm_after");
        var cls = x.select(1, 0);
        var logits = Linear(tanh(Linear(cls, "classifier.dense")), "classifier.out_proj");
        return logits.MoveToOuterDisposeScope();
    }

    private Tensor W(string name) => _w.TryGetValue(name, out var t) ? t : throw new KeyNotFoundException($"The folder has no tensor '{name}'.");

    private Tensor Linear(Tensor x, string name) => nn.functional.linear(x, W(name + ".weight"), W(name + ".bias"));

    private Tensor Norm(Tensor x, string name) => nn.functional.layer_norm(x, [x.shape[^1]], W(name + ".weight"), W(name + ".bias"), _eps);

    private static Tensor Heads(Tensor x, long batch, long length, long headSize) => x.view(batch, length, -1, headSize).transpose(1, 2);

    private Tensor Rotate(Tensor x, string prefix, long headSize)
    {
        var invFreq = _w.TryGetValue(prefix + "attention.self.rotary_embeddings.inv_freq", out var stored)
            ? stored
            : 1.0 / pow(10000.0, arange(0, headSize, 2, dtype: float64) / headSize);
        var t = arange(x.shape[2], dtype: float64);
        var freqs = einsum("i,j->ij", t, invFreq);
        var emb = cat([freqs, freqs], -1);
        var half = headSize / 2;
        var rotated = cat([-x.narrow(-1, half, half), x.narrow(-1, 0, half)], -1);
        return x * emb.cos() + rotated * emb.sin();
    }

    public void Dispose()
    {
        foreach (var t in _w.Values) t.Dispose();
    }
}
