using BiDoRA.Engine.Data;
using BiDoRA.Workbench.Services.Datasets;
using BiDoRA.Workbench.Tests.Infrastructure;

namespace BiDoRA.Workbench.Tests.Datasets;

/// <summary>The service as the Blazor pages call it: streams that cannot seek (IBrowserFile), change notifications.</summary>
public sealed class DatasetServiceTests : IAsyncLifetime
{
    private WorkbenchServer _server = null!;

    public async Task InitializeAsync() => _server = await WorkbenchServer.StartAsync();

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task A_browser_stream_that_cannot_seek_imports_and_the_pages_hear_of_it()
    {
        var service = _server.Services.GetRequiredService<DatasetService>();
        var changes = 0;
        service.Changed += () => Interlocked.Increment(ref changes);

        await using var upload = new ForwardOnlyStream(Uploads.Fixture("labels.fasta"));
        var outcome = await service.ImportAsync(upload, "labels.fasta", new DatasetImportRequest { Name = "From the page", TestFraction = 0 });
        Assert.True(outcome.Succeeded, string.Join("; ", outcome.Errors));
        Assert.Equal(("From the page", "fasta", 4), (outcome.Dataset!.Name, outcome.Dataset.Format, outcome.Dataset.Rows));
        Assert.Equal(4, (await _server.RowsAsync(outcome.Dataset.Id)).Total);

        await using var inspect = new ForwardOnlyStream(Uploads.Fixture("regression.tsv"));
        var inspection = await service.InspectAsync(inspect, "regression.tsv");
        Assert.Equal(TaskKind.Regression, inspection.Task);

        await using var bad = new ForwardOnlyStream(Uploads.Fixture("invalid_characters.csv"));
        var refused = await service.ImportAsync(bad, "invalid_characters.csv");
        Assert.False(refused.Succeeded);
        Assert.Equal([3, 4], refused.Errors.Select(e => e.Row));

        Assert.True(service.Delete(outcome.Dataset.Id));
        Assert.Equal(2, changes);
        Assert.Empty(service.List());
    }

    /// <summary>What Blazor's IBrowserFile.OpenReadStream gives: read only, forwards only.</summary>
    private sealed class ForwardOnlyStream(byte[] content) : Stream
    {
        private readonly MemoryStream _inner = new(content);

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override int Read(byte[] buffer, int offset, int count) => _inner.Read(buffer, offset, count);
        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
