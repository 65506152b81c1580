using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using BiDoRA.Workbench.Services.Datasets;

namespace BiDoRA.Workbench.Tests.Infrastructure;

/// <summary>Multipart uploads to a <see cref="WorkbenchServer"/>, as a browser form or curl -F sends them.</summary>
internal static class Uploads
{
    public static byte[] Fixture(string name) => File.ReadAllBytes(Path.Combine(TestPaths.Fixtures, "data", name));

    public static byte[] Sample(string sample, string file) => File.ReadAllBytes(Path.Combine(TestPaths.Samples, sample, file));

    public static byte[] Utf8(string text) => new UTF8Encoding(false).GetBytes(text);

    public static async Task<HttpResponseMessage> UploadAsync(this WorkbenchServer server, string path, string fileName, byte[] content, IReadOnlyDictionary<string, string>? fields = null)
    {
        using var form = new MultipartFormDataContent();
        var file = new ByteArrayContent(content);
        file.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        form.Add(file, "file", fileName);
        foreach (var (name, value) in fields ?? new Dictionary<string, string>()) form.Add(new StringContent(value), name);
        return await server.Http.PostAsync(path, form);
    }

    public static Task<HttpResponseMessage> UploadDatasetAsync(this WorkbenchServer server, string fileName, byte[] content, IReadOnlyDictionary<string, string>? fields = null) =>
        server.UploadAsync("/api/datasets", fileName, content, fields);

    /// <summary>Uploads a file that must import, and returns the stored dataset.</summary>
    public static async Task<DatasetRecord> ImportAsync(this WorkbenchServer server, string fileName, byte[] content, IReadOnlyDictionary<string, string>? fields = null)
    {
        using var response = await server.UploadDatasetAsync(fileName, content, fields);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Created, $"Importing {fileName} answered {(int)response.StatusCode}: {text}");
        Assert.Equal($"/api/datasets/", response.Headers.Location?.OriginalString[..14]);
        return System.Text.Json.JsonSerializer.Deserialize<DatasetRecord>(text, WorkbenchClient.Json)!;
    }

    public static async Task<IReadOnlyList<DatasetRecord>> ListDatasetsAsync(this WorkbenchServer server) =>
        (await server.Http.GetFromJsonAsync<List<DatasetRecord>>("/api/datasets", WorkbenchClient.Json))!;

    public static async Task<DatasetRowPage> RowsAsync(this WorkbenchServer server, string datasetId, int offset = 0, int count = 1000) =>
        (await server.Http.GetFromJsonAsync<DatasetRowPage>($"/api/datasets/{datasetId}/rows?offset={offset}&count={count}", WorkbenchClient.Json))!;
}
