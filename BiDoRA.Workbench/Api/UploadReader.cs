using Microsoft.AspNetCore.Http.HttpResults;

namespace BiDoRA.Workbench.Api;

/// <summary>
/// Reads an upload's multipart form by hand rather than through parameter binding, so that a body over the limit
/// or a missing file becomes a problem that names the field (binding would answer a bare 400 or 413).
/// </summary>
internal static class UploadReader
{
    public const string FileField = "file";

    public sealed record Upload(IFormFile File, IFormCollection Form);

    public static async Task<(Upload? Upload, ProblemHttpResult? Problem)> ReadAsync(HttpRequest request, long maxBytes, CancellationToken cancellationToken)
    {
        if (!request.HasFormContentType)
        {
            return (null, Invalid("Send the file as multipart/form-data in a field named 'file'."));
        }
        if (request.ContentLength > maxBytes + WorkbenchServices.FormOverheadBytes)
        {
            return (null, TooLarge(request.ContentLength.Value, maxBytes));
        }

        IFormCollection form;
        try
        {
            form = await request.ReadFormAsync(cancellationToken);
        }
        catch (BadHttpRequestException e) when (e.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            return (null, TooLarge(null, maxBytes));
        }
        catch (InvalidDataException e) when (e.Message.Contains("limit", StringComparison.OrdinalIgnoreCase))
        {
            return (null, TooLarge(null, maxBytes));
        }
        catch (Exception e) when (e is InvalidDataException or IOException)
        {
            return (null, Invalid($"The upload could not be read as a form: {e.Message}"));
        }

        var file = form.Files.GetFile(FileField);
        if (file is null) return (null, Invalid("is required: attach the dataset file in a field named 'file'."));
        if (file.Length > maxBytes) return (null, TooLarge(file.Length, maxBytes));
        if (file.Length == 0) return (null, Invalid($"'{file.FileName}' is empty."));
        return (new Upload(file, form), null);
    }

    private static ProblemHttpResult Invalid(string message) =>
        ApiProblems.Validation(new Dictionary<string, string[]> { [FileField] = [message] });

    private static ProblemHttpResult TooLarge(long? size, long maxBytes) => ApiProblems.TooLarge(FileField,
        (size is { } s ? $"The upload is {Megabytes(s)}; " : "The upload is too large; ") + $"the limit is {Megabytes(maxBytes)} (Workbench:MaxUploadBytes).");

    private static string Megabytes(long bytes) => bytes >= 1024 * 1024 ? $"{bytes / (1024.0 * 1024):0.#} MB" : $"{bytes / 1024.0:0.#} KB";
}
