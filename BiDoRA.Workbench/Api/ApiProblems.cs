using Microsoft.AspNetCore.Http.HttpResults;

namespace BiDoRA.Workbench.Api;

/// <summary>Problem details that always say which field is wrong, in "errors" (field → messages) as ASP.NET's validation problems do.</summary>
internal static class ApiProblems
{
    public static HttpValidationProblemDetails Details(int status, string title, string message, string field) =>
        Details(status, title, new Dictionary<string, string[]> { [field] = [message] }, message);

    public static HttpValidationProblemDetails Details(int status, string title, IDictionary<string, string[]> errors, string? detail = null) =>
        new(errors)
        {
            Status = status,
            Title = title,
            Detail = detail ?? string.Join(" ", errors.SelectMany(e => e.Value.Select(m => $"{e.Key}: {m}"))),
        };

    public static ProblemHttpResult Validation(IDictionary<string, string[]> errors) =>
        TypedResults.Problem(Details(StatusCodes.Status400BadRequest, "Invalid request", errors));

    public static ProblemHttpResult NotFound(string field, string message) =>
        TypedResults.Problem(Details(StatusCodes.Status404NotFound, "Not found", message, field));

    public static ProblemHttpResult Conflict(string field, string message) =>
        TypedResults.Problem(Details(StatusCodes.Status409Conflict, "Conflict", message, field));

    public static ProblemHttpResult TooLarge(string field, string message) =>
        TypedResults.Problem(Details(StatusCodes.Status413PayloadTooLarge, "Too large", message, field));
}
