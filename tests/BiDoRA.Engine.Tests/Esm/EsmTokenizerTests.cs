using BiDoRA.Engine.Checkpoints;
using BiDoRA.Engine.Esm;

namespace BiDoRA.Engine.Tests.Esm;

public sealed class EsmTokenizerTests
{
    private static readonly string FixtureVocabulary = Path.Combine(TestPaths.Fixtures, "esm2-tiny-a", "model", "vocab.txt");

    private static EsmTokenizer Tokenizer() => EsmTokenizer.FromVocabFile(FixtureVocabulary);

    private static int Id(EsmTokenizer t, string token) => t.Vocabulary.ToList().IndexOf(token);

    [Fact]
    public void Vocabulary_file_order_gives_the_ids_and_matches_the_built_in_alphabet()
    {
        var t = Tokenizer();
        Assert.Equal(33, t.VocabSize);
        Assert.Equal((0, 1, 2, 3, 32), (t.ClsId, t.PadId, t.EosId, t.UnkId, t.MaskId));
        Assert.Equal(EsmTokenizer.Esm2Vocabulary, t.Vocabulary);
    }

    [Fact]
    public void A_sequence_becomes_cls_residues_eos()
    {
        var t = Tokenizer();
        Assert.Equal(new[] { t.ClsId, Id(t, "M"), Id(t, "K"), Id(t, "W"), t.EosId }, t.Encode("MKW"));
    }

    [Fact]
    public void Rare_letters_are_ordinary_tokens()
    {
        var t = Tokenizer();
        var ids = t.Encode("XBUZO");
        Assert.Equal(new[] { "X", "B", "U", "Z", "O" }.Select(s => Id(t, s)), ids[1..^1]);
        Assert.DoesNotContain(t.UnkId, ids);
    }

    [Fact]
    public void Lower_case_is_accepted_as_upper_case()
    {
        var t = Tokenizer();
        Assert.Equal(t.Encode("MKTAYIAKXBUZO"), t.Encode("mktAyiakxbuzo"));
    }

    [Fact]
    public void Inline_mask_text_is_one_token()
    {
        var t = Tokenizer();
        var ids = t.Encode("AK<mask>R<mask>");
        Assert.Equal(new[] { t.ClsId, Id(t, "A"), Id(t, "K"), t.MaskId, Id(t, "R"), t.MaskId, t.EosId }, ids);
    }

    [Theory]
    [InlineData("ACD*EF", 4, '*')]
    [InlineData("AC DE", 3, ' ')]
    [InlineData("ACJ", 3, 'J')]
    [InlineData("A1", 2, '1')]
    [InlineData("AK-L", 3, '-')]
    [InlineData("AK<MASK>", 3, '<')]
    [InlineData("AK<mas", 3, '<')]
    [InlineData("AK<mask>é", 9, 'é')]
    public void Any_other_character_is_rejected_with_its_position(string sequence, int position, char character)
    {
        var e = Assert.Throws<SequenceFormatException>(() => Tokenizer().Encode(sequence));
        Assert.Equal(position, e.Position);
        Assert.Equal(character, e.Character);
        Assert.Contains($"position {position}", e.Message);
    }

    [Fact]
    public void Empty_sequence_is_rejected()
    {
        Assert.Throws<SequenceFormatException>(() => Tokenizer().Encode(""));
    }

    [Fact]
    public void Batch_is_right_padded_with_pad_and_masked()
    {
        var t = Tokenizer();
        using var batch = t.EncodeBatch(["MK", "W", "AC<mask>D"]);
        Assert.Equal(new long[] { 3, 6 }, batch.InputIds.shape);
        var ids = batch.InputIds.data<long>().ToArray();
        var mask = batch.AttentionMask.data<long>().ToArray();
        Assert.Equal(new long[] { t.ClsId, Id(t, "M"), Id(t, "K"), t.EosId, t.PadId, t.PadId }, ids[..6]);
        Assert.Equal(new long[] { 1, 1, 1, 1, 0, 0, 1, 1, 1, 0, 0, 0, 1, 1, 1, 1, 1, 1 }, mask);
        Assert.Equal(new[] { 2, 1, 4 }, batch.ResidueCounts);
        Assert.Equal(new[] { 4, 3, 6 }, batch.Lengths);
    }

    [Fact]
    public void Batch_error_names_the_sequence_and_position()
    {
        var e = Assert.Throws<SequenceFormatException>(() => Tokenizer().EncodeBatch(["MK", "MK#"]));
        Assert.StartsWith("Sequence 2:", e.Message);
        Assert.Equal(3, e.Position);
    }

    [Fact]
    public void Truncation_keeps_the_first_max_residues_and_the_end_token()
    {
        var t = Tokenizer();
        var ids = t.Encode(new string('A', 1100), EsmTokenizer.MaxResidues);
        Assert.Equal(EsmTokenizer.MaxResidues + 2, ids.Length);
        Assert.Equal(t.EosId, ids[^1]);
        Assert.Equal(1102, t.Encode(new string('A', 1100)).Length);
    }

    [Fact]
    public void Vocabulary_file_with_or_without_final_newline_loads_alike_and_empty_lines_are_rejected()
    {
        var dir = Directory.CreateTempSubdirectory("bidora-vocab-").FullName;
        try
        {
            var tokens = EsmTokenizer.Esm2Vocabulary;
            File.WriteAllText(Path.Combine(dir, "a.txt"), string.Join("\n", tokens));
            File.WriteAllText(Path.Combine(dir, "b.txt"), string.Join("\n", tokens) + "\n");
            File.WriteAllText(Path.Combine(dir, "c.txt"), string.Join("\n", tokens.Take(5)) + "\n\n" + string.Join("\n", tokens.Skip(5)));
            Assert.Equal(EsmTokenizer.FromVocabFile(Path.Combine(dir, "a.txt")).Vocabulary, EsmTokenizer.FromVocabFile(Path.Combine(dir, "b.txt")).Vocabulary);
            var e = Assert.Throws<CheckpointFormatException>(() => EsmTokenizer.FromVocabFile(Path.Combine(dir, "c.txt")));
            Assert.Contains("c.txt", e.Message);
            Assert.Contains("line 6", e.Message);
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }

    [Fact]
    public void Decode_writes_tokens_back()
    {
        var t = Tokenizer();
        Assert.Equal("<cls>AK<mask>W<eos>", t.Decode(t.Encode("ak<mask>w").Select(i => (long)i)));
    }
}
