using BiDoRA.Engine.Data;
using BiDoRA.Engine.RunFolders;
using BiDoRA.Engine.Training;

namespace BiDoRA.Engine.Tests.Training;

/// <summary>The one predictions CSV writer: quoting as RFC 4180 asks, numbers that read back exactly.</summary>
public sealed class PredictionsCsvTests
{
    [Fact]
    public void Classification_rows_quote_what_needs_it_and_keep_every_digit()
    {
        var text = new StringWriter();
        PredictionsCsv.Write(text, TaskKind.Multiclass, ["a,b", "say \"c\"", "d"],
            [new("p,1", "ACDE", "a,b", null, [0.1, 0.2, 0.7000000000000001]), new("p2", "KLM", "d", null, null)]);

        Assert.Equal(
            "id,sequence,predicted,\"p_a,b\",\"p_say \"\"c\"\"\",p_d\n" +
            "\"p,1\",ACDE,\"a,b\",0.1,0.2,0.7000000000000001\n" +
            "p2,KLM,d,NaN,NaN,NaN\n",
            text.ToString());
    }

    [Fact]
    public void Regression_rows_have_one_value()
    {
        var text = new StringWriter();
        PredictionsCsv.Write(text, TaskKind.Regression, [], [new("x", "ACDE", null, -1.25e-7, null)]);
        Assert.Equal("id,sequence,value\nx,ACDE,-1.25E-07\n", text.ToString());
    }
}
