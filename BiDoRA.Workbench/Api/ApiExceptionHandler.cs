using System.Text.Json;
using Microsoft.AspNetCore.Diagnostics;

namespace BiDoRA.Workbench.Api;

/// <summary>
/// Turns requests the framework could not bind (malformed JSON, a number where text was expected, a body over the
/// size limit) into problem details that name the offending field, instead of a bare 400.
/// </summary>
internal sealed class ApiExceptionHandler(IProblemDetailsService problems) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        if (exception is not BadHttpRequestException bad) return false;

        var json = FindJsonException(bad);
        var (field, message) = json is not null
            ? (FieldOf(json.Path), $"Invalid value{(json.Path is null ? "" : $" at {json.Path}")}: {FirstSentence(json.Message)}")
            : bad.StatusCode == StatusCodes.Status413PayloadTooLarge
                ? ("file", "The request body is larger than this workbench accepts.")
                : ("body", bad.Message);

        httpContext.Response.StatusCode = bad.StatusCode;
        return await problems.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = httpContext,
            Exception = exception,
            ProblemDetails = ApiProblems.Details(bad.StatusCode, bad.StatusCode == 413 ? "Request too large" : "Invalid request", message, field),
        });
    }

    private static JsonException? FindJsonException(Exception? e)
    {
        for (; e is not null; e = e.InnerException)
        {
            if (e is JsonException json) return json;
        }
        return null;
    }

    /// <summary>"$.steps" → "steps", "$.targetModules[2]" → "targetModules"; the whole body when no path is known.</summary>
    internal static string FieldOf(string? path)
    {
        if (string.IsNullOrEmpty(path) || path == "$") return "body";
        var field = path.StartsWith("$.", StringComparison.Ordinal) ? path[2..] : path.TrimStart('$');
        var bracket = field.IndexOf('[');
        if (bracket > 0) field = field[..bracket];
        var dot = field.IndexOf('.');
        return dot > 0 ? field[..dot] : field;
    }

    private static string FirstSentence(string message)
    {
        var end = message.IndexOf(". ", StringComparison.Ordinal);
        return end > 0 ? message[..(end + 1)] : message;
    }
}
