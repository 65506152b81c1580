using System.IO.Compression;
using System.Net;
using BiDoRA.Workbench.Services.Runs;
using BiDoRA.Workbench.Tests.Infrastructure;

namespace BiDoRA.Workbench.Tests.Api;

public sealed class ArtifactTests : IAsyncLifetime
{
    private WorkbenchServer _server = null!;
    private RunRecord _run = null!;

    public async Task InitializeAsync()
    {
        _server = await WorkbenchServer.StartAsync();
        var run = await _server.CreateRunAsync(_server.AddDataset().Id);
        _run = await _server.WaitForStatusAsync(run.Id, RunStatus.Completed);
        await File.WriteAllTextAsync(Path.Combine(_server.DataDirectory, "secret.txt"), "not for download");
    }

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task A_run_file_downloads_with_its_name()
    {
        using var response = await _server.Http.GetAsync($"/api/runs/{_run.Id}/artifacts/metrics.json");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("{\"accuracy\":0.75}", await response.Content.ReadAsStringAsync());
        Assert.Equal("metrics.json", response.Content.Headers.ContentDisposition?.FileName);
    }

    [Fact]
    public async Task The_listing_shows_only_the_run_folders_own_files()
    {
        var names = await _server.Http.GetStringAsync($"/api/runs/{_run.Id}/artifacts");
        Assert.Contains("metrics.json", names);
        Assert.Contains("predictions.csv", names);
        Assert.DoesNotContain("secret.txt", names);
        Assert.DoesNotContain("checkpoints", names);
    }

    [Theory]
    [InlineData("..%2F..%2Fsecret.txt")]
    [InlineData("..%2f..%2fworkbench.db")]
    [InlineData("%2e%2e%2f%2e%2e%2fsecret.txt")]
    [InlineData("..%5C..%5Csecret.txt")]
    [InlineData("%2Fetc%2Fpasswd")]
    [InlineData("....")]
    [InlineData(".hidden")]
    [InlineData("checkpoints")]
    [InlineData("metrics.json%00.txt")]
    [InlineData("secret.txt")]
    public async Task Names_that_leave_the_run_folder_are_refused(string name)
    {
        using var response = await _server.Http.GetAsync($"/api/runs/{_run.Id}/artifacts/{name}");
        Assert.True(response.StatusCode is HttpStatusCode.NotFound or HttpStatusCode.BadRequest, $"{name}: {(int)response.StatusCode}");
        Assert.DoesNotContain("not for download", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task A_link_inside_the_run_folder_is_not_followed()
    {
        var link = Path.Combine(_run.Plan.OutputDirectory, "leak.txt");
        File.CreateSymbolicLink(link, Path.Combine(_server.DataDirectory, "secret.txt"));
        using var response = await _server.Http.GetAsync($"/api/runs/{_run.Id}/artifacts/leak.txt");
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        using var zip = await _server.Http.GetAsync($"/api/runs/{_run.Id}/artifacts/run.zip");
        using var archive = new ZipArchive(await zip.Content.ReadAsStreamAsync());
        Assert.DoesNotContain(archive.Entries, e => e.Name == "leak.txt");
    }

    [Fact]
    public async Task The_run_folder_downloads_as_a_zip_without_checkpoints()
    {
        using var response = await _server.Http.GetAsync($"/api/runs/{_run.Id}/artifacts/run.zip");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/zip", response.Content.Headers.ContentType?.MediaType);
        using var archive = new ZipArchive(await response.Content.ReadAsStreamAsync());
        var names = archive.Entries.Select(e => e.FullName).ToList();
        Assert.Contains("metrics.json", names);
        Assert.Contains("predictions.csv", names);
        Assert.Contains("dataset.csv", names);
        Assert.DoesNotContain(names, n => n.StartsWith("checkpoints/", StringComparison.Ordinal));
    }
}
