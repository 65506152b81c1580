using System.Net;
using System.Text.Json;

namespace BiDoRA.Workbench.Tests.Infrastructure;

/// <summary>A problem-details response as a test reads it.</summary>
internal sealed record Problem(HttpStatusCode Status, string ContentType, JsonElement Body)
{
    public static async Task<Problem> ReadAsync(HttpResponseMessage response)
    {
        var text = await response.Content.ReadAsStringAsync();
        using var doc = JsonDocument.Parse(text);
        return new Problem(response.StatusCode, response.Content.Headers.ContentType?.MediaType ?? "", doc.RootElement.Clone());
    }

    /// <summary>The fields named in "errors".</summary>
    public IReadOnlyList<string> Fields =>
        Body.TryGetProperty("errors", out var errors) ? errors.EnumerateObject().Select(p => p.Name).ToList() : [];

    public string Messages(string field) =>
        string.Join(" ", Body.GetProperty("errors").GetProperty(field).EnumerateArray().Select(e => e.GetString()));
}
