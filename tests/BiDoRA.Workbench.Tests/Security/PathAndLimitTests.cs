using System.IO.Compression;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using BiDoRA.Workbench.Services.Runs;
using BiDoRA.Workbench.Tests.Infrastructure;
using Microsoft.AspNetCore.SignalR;

namespace BiDoRA.Workbench.Tests.Security;

/// <summary>What callers name never reaches the file system as a path, downloads stay in their run, bodies stay small.</summary>
public sealed class PathAndLimitTests : IAsyncLifetime
{
    private const long UploadLimit = 64 * 1024;

    private WorkbenchServer _server = null!;

    public async Task InitializeAsync() =>
        _server = await WorkbenchServer.StartAsync(configuration: new Dictionary<string, string?> { ["Workbench:MaxUploadBytes"] = UploadLimit.ToString() });

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Theory]
    [InlineData("../../../escape")]
    [InlineData("/tmp/escape")]
    [InlineData("..\\..\\escape")]
    [InlineData("escape/../../..")]
    public async Task A_run_name_is_display_text_and_the_run_folder_is_named_by_its_id(string name)
    {
        var run = await _server.CreateRunAsync(_server.AddDataset().Id, new { name });
        Assert.Equal(name, run.Name);
        Assert.Equal(Path.Combine(_server.DataDirectory, "runs", run.Id), run.Plan.OutputDirectory);
        await _server.WaitForStatusAsync(run.Id, RunStatus.Completed);
        Assert.Empty(Directory.EnumerateFileSystemEntries(Path.GetTempPath(), "escape"));
        Assert.Empty(Directory.EnumerateFileSystemEntries(_server.DataDirectory, "escape", SearchOption.AllDirectories));
        Assert.True(Directory.Exists(Path.Combine(_server.DataDirectory, "runs", run.Id)));
    }

    [Theory]
    [InlineData("..%2F..%2Fworkbench.db")]
    [InlineData("..")]
    [InlineData("%2E%2E")]
    [InlineData("runs")]
    public async Task A_run_id_that_is_a_path_finds_nothing(string id)
    {
        foreach (var path in new[] { $"/api/runs/{id}", $"/api/runs/{id}/artifacts", $"/api/runs/{id}/artifacts/metrics.json", $"/api/runs/{id}/metrics" })
        {
            using var response = await _server.Http.GetAsync(path);
            Assert.True(response.StatusCode is HttpStatusCode.NotFound or HttpStatusCode.BadRequest, $"{path}: {(int)response.StatusCode}");
        }
        await using var client = await HubTestClient.ConnectAsync(_server.BaseAddress);
        var refused = await Assert.ThrowsAsync<HubException>(() => client.JoinAsync(Uri.UnescapeDataString(id), 0));
        Assert.Contains(Uri.UnescapeDataString(id), refused.Message);
    }

    [Fact]
    public async Task A_run_serves_only_its_own_files_never_another_runs_nor_what_a_linked_folder_points_to()
    {
        var dataset = _server.AddDataset();
        var mine = await _server.WaitForStatusAsync((await _server.CreateRunAsync(dataset.Id)).Id, RunStatus.Completed);
        var other = await _server.WaitForStatusAsync((await _server.CreateRunAsync(dataset.Id)).Id, RunStatus.Completed);
        await File.WriteAllTextAsync(Path.Combine(other.Plan.OutputDirectory, "others-notes.txt"), "belongs to the other run");
        var secrets = Directory.CreateDirectory(Path.Combine(_server.DataDirectory, "secrets"));
        await File.WriteAllTextAsync(Path.Combine(secrets.FullName, "secret.txt"), "not for download");
        Directory.CreateSymbolicLink(Path.Combine(mine.Plan.OutputDirectory, "linked"), secrets.FullName);
        Directory.CreateSymbolicLink(Path.Combine(mine.Plan.OutputDirectory, "sibling"), other.Plan.OutputDirectory);

        var listing = await _server.Http.GetStringAsync($"/api/runs/{mine.Id}/artifacts");
        Assert.DoesNotContain("others-notes.txt", listing);
        Assert.DoesNotContain("secret.txt", listing);
        using (var response = await _server.Http.GetAsync($"/api/runs/{mine.Id}/artifacts/others-notes.txt"))
        {
            Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        }

        using var zip = await _server.Http.GetAsync($"/api/runs/{mine.Id}/artifacts/run.zip");
        Assert.Equal(HttpStatusCode.OK, zip.StatusCode);
        using var archive = new ZipArchive(await zip.Content.ReadAsStreamAsync());
        var names = archive.Entries.Select(e => e.FullName).ToList();
        Assert.Contains("metrics.json", names);
        Assert.DoesNotContain(names, n => n.StartsWith("linked/", StringComparison.Ordinal) || n.StartsWith("sibling/", StringComparison.Ordinal));
        Assert.DoesNotContain(names, n => n.EndsWith("secret.txt", StringComparison.Ordinal) || n.EndsWith("others-notes.txt", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_request_body_past_the_upload_limit_is_refused_before_it_is_read()
    {
        var body = new string('A', (int)(UploadLimit + WorkbenchServices.FormOverheadBytes) + 1024);
        using var content = new StringContent($"{{\"datasetId\":\"{body}\"}}", Encoding.UTF8, "application/json");
        using var response = await _server.Http.PostAsync("/api/runs", content);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Empty(await _server.Http.GetFromJsonAsync<List<RunRecord>>("/api/runs", WorkbenchClient.Json) ?? []);
    }
}
