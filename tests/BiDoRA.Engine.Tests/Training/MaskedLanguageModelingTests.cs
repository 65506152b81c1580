using BiDoRA.Engine.Data;
using BiDoRA.Engine.Esm;
using BiDoRA.Engine.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace BiDoRA.Engine.Tests.Training;

/// <summary>ESM-2's masked-LM objective: which positions are chosen, what they become, and what the loss counts.</summary>
public sealed class MaskedLanguageModelingTests
{
    private static readonly EsmTokenizer Tokenizer = EsmTokenizer.Esm2;

    private static string RandomProtein(SeededRandom random, int length) =>
        new([.. Enumerable.Range(0, length).Select(_ => "ACDEFGHIKLMNPQRSTVWY"[random.Next(20)])]);

    [Fact]
    public void Proportions_over_many_draws_are_15_percent_chosen_then_80_10_10()
    {
        var objective = new MaskedLanguageModeling(Tokenizer);
        var random = new SeededRandom(3, 1);
        var draws = new SeededRandom(5, 2);
        long residues = 0, chosen = 0, masked = 0, randomised = 0, kept = 0;
        var standard = Tokenizer.Encode("ACDEFGHIKLMNPQRSTVWY")[1..^1].Select(i => (long)i).ToHashSet();
        for (var round = 0; round < 20; round++)
        {
            // Sequences of different lengths, so padding and <eos> move around.
            var sequences = Enumerable.Range(0, 40).Select(i => RandomProtein(random, 150 + 5 * i)).ToList();
            using var batch = objective.Mask(sequences, draws);
            using var original = Tokenizer.EncodeBatch(sequences);
            var ids = batch.InputIds.data<long>().ToArray();
            var labels = batch.Labels.data<long>().ToArray();
            var before = original.InputIds.data<long>().ToArray();
            Assert.Equal(before.Length, ids.Length);
            for (var i = 0; i < ids.Length; i++)
            {
                var special = before[i] == Tokenizer.ClsId || before[i] == Tokenizer.EosId || before[i] == Tokenizer.PadId;
                if (special)
                {
                    Assert.Equal(MaskedLanguageModeling.IgnoreIndex, labels[i]);
                    Assert.Equal(before[i], ids[i]);
                    continue;
                }
                residues++;
                if (labels[i] == MaskedLanguageModeling.IgnoreIndex)
                {
                    Assert.Equal(before[i], ids[i]);
                    continue;
                }
                Assert.Equal(before[i], labels[i]);
                chosen++;
                if (ids[i] == Tokenizer.MaskId) masked++;
                else if (ids[i] == before[i]) kept++;
                else
                {
                    Assert.Contains(ids[i], standard);
                    randomised++;
                }
            }
            Assert.Equal(labels.Count(l => l != MaskedLanguageModeling.IgnoreIndex), batch.Chosen);
        }
        // About 600,000 residues and 90,000 chosen: each bound is more than 5 standard errors wide.
        Assert.InRange(chosen / (double)residues, 0.147, 0.153);
        Assert.InRange(masked / (double)chosen, 0.793, 0.807);
        // A random residue equals the original one time in 20: 10 % · 19/20 change, 10 % + 10 % · 1/20 stay.
        Assert.InRange(randomised / (double)chosen, 0.0895, 0.1005);
        Assert.InRange(kept / (double)chosen, 0.0995, 0.1105);
    }

    [Fact]
    public void Same_state_gives_the_same_masks()
    {
        var objective = new MaskedLanguageModeling(Tokenizer);
        var a = new SeededRandom(11, 4);
        string[] sequences = ["MKTAYIAKQRQISFVKSHFSRQ", "GIGKFLHSAKKFGKAFVGEIMNS"];
        objective.Mask(sequences, a).Dispose();
        var b = new SeededRandom(0, 0) { State = a.State };
        using var x = objective.Mask(sequences, a);
        using var y = objective.Mask(sequences, b);
        Assert.True(x.InputIds.eq(y.InputIds).all().item<bool>());
        Assert.True(x.Labels.eq(y.Labels).all().item<bool>());
    }

    [Fact]
    public void A_batch_of_short_peptides_always_has_a_chosen_position()
    {
        var objective = new MaskedLanguageModeling(Tokenizer, probability: 0.01);
        var draws = new SeededRandom(1, 1);
        for (var i = 0; i < 200; i++)
        {
            using var batch = objective.Mask(["GL", "KW"], draws);
            Assert.True(batch.Chosen >= 1);
            Assert.Equal(batch.Chosen, batch.Labels.ne(MaskedLanguageModeling.IgnoreIndex).sum().ToInt64());
        }
    }

    [Fact]
    public void Crops_are_windows_of_the_sequence()
    {
        var random = new SeededRandom(2, 2);
        const string sequence = "ACDEFGHIKLMNPQRSTVWY";
        var offsets = new HashSet<int>();
        for (var i = 0; i < 200; i++)
        {
            var crop = MaskedLanguageModeling.Crop(sequence, 5, random);
            Assert.Equal(5, crop.Length);
            offsets.Add(sequence.IndexOf(crop, StringComparison.Ordinal));
        }
        Assert.Equal(Enumerable.Range(0, 16).ToHashSet(), offsets);
        Assert.Same(sequence, MaskedLanguageModeling.Crop(sequence, 20, random));
    }

    [Fact]
    public void The_loss_counts_chosen_positions_only()
    {
        using var scope = NewDisposeScope();
        var objective = new MaskedLanguageModeling(Tokenizer);
        using var batch = objective.Mask(["MKTAYIAKQRQISFVKSHFSRQLEERLGLIEVQ", "GIGKFLHSAKKFGKAFVGEIMNS"], new SeededRandom(8, 1));
        manual_seed(4);
        var logits = randn([.. batch.InputIds.shape, Tokenizer.VocabSize], dtype: ScalarType.Float64);
        var loss = MaskedLanguageModeling.Loss(logits, batch.Labels).ToDouble();

        var chosen = batch.Labels.ne(MaskedLanguageModeling.IgnoreIndex);
        // Anything at the other positions leaves the loss as it is ...
        var noise = randn(logits.shape, dtype: ScalarType.Float64) * 10;
        var elsewhere = logits + noise * chosen.logical_not().unsqueeze(-1).to(ScalarType.Float64);
        Assert.Equal(loss, MaskedLanguageModeling.Loss(elsewhere, batch.Labels).ToDouble(), 12);
        // ... and a change at one chosen position moves it.
        var at = chosen.reshape(-1).nonzero()[0].ToInt64();
        var bumped = logits.reshape(-1, Tokenizer.VocabSize).clone();
        bumped[at] += noise.reshape(-1, Tokenizer.VocabSize)[at];
        Assert.NotEqual(loss, MaskedLanguageModeling.Loss(bumped.reshape(logits.shape), batch.Labels).ToDouble(), 6);
        // It is the mean over the chosen positions: the summed loss divided by their number.
        Assert.Equal(loss, MaskedLanguageModeling.SummedLoss(logits, batch.Labels).ToDouble() / batch.Chosen, 12);
    }

    [Fact]
    public void Loss_on_the_fixture_model_equals_a_reference_from_its_own_logits()
    {
        using var scope = NewDisposeScope();
        using var model = EsmModel.FromPretrained(TrainingTestData.TinyModel, dtype: ScalarType.Float64).Model;
        var objective = new MaskedLanguageModeling(model.Tokenizer);
        string[] sequences = ["MKTAYIAKQRQISFVKSHFSRQLEERLGLIEVQAPILSRVGDGTQDNLSGAEKAVQVKVKALPDAQ", "GIGKFLHSAKKFGKAFVGEIMNS", "KWKLFKKIEK"];
        using var batch = objective.Mask(sequences, new SeededRandom(21, 3));
        var logits = model.forward(batch.InputIds, batch.AttentionMask);
        var loss = MaskedLanguageModeling.Loss(logits, batch.Labels).ToDouble();

        var values = logits.data<double>().ToArray();
        var labels = batch.Labels.data<long>().ToArray();
        var vocabulary = (int)logits.shape[2];
        double sum = 0;
        var count = 0;
        for (var position = 0; position < labels.Length; position++)
        {
            if (labels[position] == MaskedLanguageModeling.IgnoreIndex) continue;
            var row = values.AsSpan(position * vocabulary, vocabulary);
            var max = double.NegativeInfinity;
            foreach (var v in row) max = Math.Max(max, v);
            double partition = 0;
            foreach (var v in row) partition += Math.Exp(v - max);
            sum += -(row[(int)labels[position]] - max - Math.Log(partition));
            count++;
        }
        Assert.Equal(batch.Chosen, count);
        Assert.Equal(sum / count, loss, 12);
    }

    [Fact]
    public void The_model_rescales_masked_inputs_as_transformers_token_dropout_does()
    {
        using var scope = NewDisposeScope();
        using var model = EsmModel.FromPretrained(TrainingTestData.TinyModel, dtype: ScalarType.Float64).Model;
        var objective = new MaskedLanguageModeling(model.Tokenizer, probability: 0.3);
        using var batch = objective.Mask(["MKTAYIAKQRQISFVKSHFSRQLEERLGLIEVQ", "GIGKFLHSAKK"], new SeededRandom(2, 9));
        using var output = model.Forward(batch.InputIds, batch.AttentionMask, outputHiddenStates: true);
        var embedded = output.HiddenStates![0];

        // transformers' EsmEmbeddings: zero the <mask> rows, scale by (1 − 0.15·0.8) / (1 − n_mask / n_tokens) per
        // sequence (n_tokens = attention_mask.sum(-1), <cls> and <eos> included), then zero the padding.
        var isMask = batch.InputIds.eq(model.Tokenizer.MaskId);
        var observed = isMask.sum(-1).to(ScalarType.Float64) / batch.AttentionMask.sum(-1).to(ScalarType.Float64);
        Assert.True(observed.gt(0).all().item<bool>(), "both sequences hold a <mask>");
        var weights = model.Backbone.embeddings.word_embeddings.weight;
        var expected = weights.index_select(0, batch.InputIds.reshape(-1)).reshape(embedded.shape).masked_fill(isMask.unsqueeze(-1), 0.0);
        expected = expected * (1 - 0.15 * 0.8) / (1 - observed).view(-1, 1, 1);
        expected = expected * batch.AttentionMask.unsqueeze(-1).to(ScalarType.Float64);
        Assert.True(embedded.allclose(expected, rtol: 0, atol: 1e-14), "embeddings follow transformers' token dropout");
    }
}
