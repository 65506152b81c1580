using System.Text.Json;
using System.Text.Json.Serialization;
using BiDoRA.Engine.Adapters;
using BiDoRA.Engine.RunFolders;
using BiDoRA.Engine.Training;

namespace BiDoRA.Engine.Tests.Protocol;

/// <summary>Methods are written full|lora|dora|bidora under every naming policy, and older spellings still read.</summary>
public sealed class NamesTests
{
    [Theory]
    [InlineData(AdapterMethod.Full, "full")]
    [InlineData(AdapterMethod.Lora, "lora")]
    [InlineData(AdapterMethod.Dora, "dora")]
    [InlineData(AdapterMethod.BiDora, "bidora")]
    public void Methods_are_written_as_users_type_them(AdapterMethod method, string name)
    {
        var camel = new JsonSerializerOptions { Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase) } };
        Assert.Equal($"\"{name}\"", JsonSerializer.Serialize(method, camel));
        Assert.Equal($"\"{name}\"", JsonSerializer.Serialize(method, RunFolder.Json));
        Assert.Equal(method, JsonSerializer.Deserialize<AdapterMethod>($"\"{name}\"", camel));
    }

    [Theory]
    [InlineData("\"BiDora\"")]
    [InlineData("\"biDora\"")]
    [InlineData("\"bidora\"")]
    public void Older_spellings_still_read(string json) =>
        Assert.Equal(AdapterMethod.BiDora, JsonSerializer.Deserialize<AdapterMethod>(json, RunFolder.Json));
}
