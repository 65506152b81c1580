using System.Text.Json;
using System.Text.Json.Serialization;

namespace BiDoRA.Engine.Adapters;

/// <summary>
/// Writes a method as users type it (full, lora, dora, bidora) and reads any casing, so run.json files and stored
/// records written as "BiDora" or "biDora" before the names were fixed still load.
/// </summary>
public sealed class AdapterMethodJsonConverter : JsonConverter<AdapterMethod>
{
    public override AdapterMethod Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType == JsonTokenType.String && Enum.TryParse<AdapterMethod>(reader.GetString(), ignoreCase: true, out var method)
            && Enum.IsDefined(method) && !int.TryParse(reader.GetString(), out _))
        {
            return method;
        }
        throw new JsonException($"'{(reader.TokenType == JsonTokenType.String ? reader.GetString() : reader.TokenType.ToString())}' is not a method (full, lora, dora, bidora).");
    }

    public override void Write(Utf8JsonWriter writer, AdapterMethod value, JsonSerializerOptions options) =>
        writer.WriteStringValue(value.ToString().ToLowerInvariant());
}
