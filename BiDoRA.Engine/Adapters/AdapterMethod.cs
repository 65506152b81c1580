using System.Text.Json.Serialization;

namespace BiDoRA.Engine.Adapters;

/// <summary>
/// How the backbone is adapted. JSON writes the names users type (full, lora, dora, bidora) under every naming
/// policy, so run.json, the API, the hub and <c>compare</c> agree; older spellings ("BiDora") still read.
/// </summary>
[JsonConverter(typeof(AdapterMethodJsonConverter))]
public enum AdapterMethod
{
    /// <summary>Every weight trains.</summary>
    [JsonStringEnumMemberName("full")]
    Full,
    /// <summary>Frozen W0 plus s·B·A.</summary>
    [JsonStringEnumMemberName("lora")]
    Lora,
    /// <summary>m · (W0 + s·B·A) / ||W0 + s·B·A||, all trained together.</summary>
    [JsonStringEnumMemberName("dora")]
    Dora,
    /// <summary>DoRA's parametrisation, direction and magnitude trained at two levels (Qin, Zhang, Xie 2025).</summary>
    [JsonStringEnumMemberName("bidora")]
    BiDora,
}
