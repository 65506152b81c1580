using System.Text;
using BiDoRA.Engine.Design;

namespace BiDoRA.Engine.Tests.Design;

public sealed class VariantNotationTests
{
    private const string WildType = "MKTAYIAKQR";

    [Fact]
    public void Single_and_multiple_substitutions_are_read_in_position_order()
    {
        var single = VariantNotation.Parse("K2R", WildType);
        Assert.Equal([new Substitution(2, 'K', 'R')], single.Substitutions);
        var multiple = VariantNotation.Parse(" r10a:m1w ", WildType);
        Assert.Equal([new Substitution(1, 'M', 'W'), new Substitution(10, 'R', 'A')], multiple.Substitutions);
        Assert.Equal("M1W:R10A", multiple.ToString());
        Assert.Equal(2, multiple.Distance);
        Assert.Equal("WKTAYIAKQA", multiple.Apply(WildType));
        Assert.Empty(VariantNotation.Parse("WT", WildType).Substitutions);
    }

    [Theory]
    [InlineData("K2", "is not a substitution")]
    [InlineData("2R", "is not a substitution")]
    [InlineData("K-2R", "is not a substitution")]
    [InlineData("K2R:", "is not a substitution")]
    [InlineData("K2J", "'J' is not an amino-acid letter")]
    public void Malformed_variants_are_refused_naming_them(string text, string expected)
    {
        var e = Assert.Throws<VariantFormatException>(() => VariantNotation.Parse(text, WildType));
        Assert.Contains($"Variant '{text.Trim()}'", e.Message);
        Assert.Contains(expected, e.Message);
    }

    [Fact]
    public void Wild_type_mismatch_names_the_variant_and_the_letter_there()
    {
        var e = Assert.Throws<VariantFormatException>(() => VariantNotation.Parse("K2R:A3G", WildType));
        Assert.Equal("Variant 'K2R:A3G': the wild type has 'T' at position 3, not 'A'.", e.Message);
    }

    [Theory]
    [InlineData("M0A", "position 0 is outside the wild type (1–10)")]
    [InlineData("A11G", "position 11 is outside the wild type (1–10)")]
    [InlineData("K2R:K2A", "position 2 is substituted twice")]
    public void Out_of_range_and_repeated_positions_are_refused(string text, string expected)
    {
        var e = Assert.Throws<VariantFormatException>(() => VariantNotation.Parse(text, WildType));
        Assert.Contains(expected, e.Message);
    }

    [Fact]
    public void ProteinGym_csv_reads_mutant_and_DMS_score_and_names_the_bad_row()
    {
        var csv = "mutant,mutated_sequence,DMS_score,DMS_score_bin\nK2R,MRTAYIAKQR,0.5,1\nK2R:T3S,MRSAYIAKQR,-1.25,0\nA4G,MKTGYIAKQR,,0\n";
        var entries = VariantList.Read(new MemoryStream(Encoding.UTF8.GetBytes(csv)), "assay.csv", WildType);
        Assert.Equal(3, entries.Count);
        Assert.Equal(0.5, entries[0].DmsScore);
        Assert.Equal(-1.25, entries[1].DmsScore);
        Assert.Null(entries[2].DmsScore);
        Assert.Equal("K2R:T3S", entries[1].Variant.ToString());

        var bad = csv.Replace("A4G,", "Y4G,", StringComparison.Ordinal);
        var e = Assert.Throws<VariantFormatException>(() => VariantList.Read(new MemoryStream(Encoding.UTF8.GetBytes(bad)), "assay.csv", WildType));
        Assert.StartsWith("assay.csv, row 4, mutant: Variant 'Y4G'", e.Message);
        var score = csv.Replace("0.5", "high", StringComparison.Ordinal);
        e = Assert.Throws<VariantFormatException>(() => VariantList.Read(new MemoryStream(Encoding.UTF8.GetBytes(score)), "assay.csv", WildType));
        Assert.Equal("assay.csv, row 2, DMS_score: 'high' is not a number.", e.Message);
    }

    [Fact]
    public void Plain_lists_take_lines_commas_and_spaces()
    {
        var entries = VariantList.Parse("K2R, T3S\nA4G:Y5F", WildType);
        Assert.Equal(["K2R", "T3S", "A4G:Y5F"], entries.Select(e => e.Variant.ToString()));
        var e = Assert.Throws<VariantFormatException>(() => VariantList.Parse("K2R\nQ3A", WildType));
        Assert.StartsWith("variants, line 2: Variant 'Q3A'", e.Message);
    }
}
