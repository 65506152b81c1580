using System.Text.Json;
using System.Text.Json.Serialization;

namespace BiDoRA.Workbench.Services;

/// <summary>One JSON shape everywhere: the API, the hub and the documents in the database agree on it.</summary>
internal static class WorkbenchJson
{
    public static JsonSerializerOptions Options { get; } = Configure(new JsonSerializerOptions(JsonSerializerDefaults.Web));

    public static JsonSerializerOptions Configure(JsonSerializerOptions options)
    {
        options.Converters.Add(new Engine.Adapters.AdapterMethodJsonConverter());
        options.Converters.Add(new JsonStringEnumConverter(JsonNamingPolicy.CamelCase));
        options.NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals;
        return options;
    }
}
