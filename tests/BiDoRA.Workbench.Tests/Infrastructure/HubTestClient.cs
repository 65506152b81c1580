using BiDoRA.Engine.Training;
using BiDoRA.Workbench.Services;
using BiDoRA.Workbench.Services.Events;
using Microsoft.AspNetCore.SignalR.Client;

namespace BiDoRA.Workbench.Tests.Infrastructure;

/// <summary>
/// A real SignalR client of /hubs/training. It keeps the events of each join result and the live events in arrival
/// order separately, so tests can check both the order of each and that together they are complete.
/// </summary>
internal sealed class HubTestClient : IAsyncDisposable
{
    private readonly List<RunEventEnvelope> _live = [];
    private readonly List<RunEventEnvelope> _joined = [];
    private readonly List<DateTimeOffset> _arrivals = [];
    private readonly Lock _gate = new();
    private readonly TaskCompletionSource _terminal = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private HubTestClient(HubConnection connection)
    {
        Connection = connection;
        connection.On<RunEventEnvelope>("event", envelope =>
        {
            lock (_gate)
            {
                _live.Add(envelope);
                _arrivals.Add(DateTimeOffset.UtcNow);
            }
            if (envelope.Event is RunCompleted or RunFailed or RunCancelled) _terminal.TrySetResult();
        });
    }

    public HubConnection Connection { get; }

    public static async Task<HubTestClient> ConnectAsync(Uri baseAddress, string? accessToken = null)
    {
        var connection = new HubConnectionBuilder()
            .WithUrl(new Uri(baseAddress, "/hubs/training"), o =>
            {
                if (accessToken is not null) o.AccessTokenProvider = () => Task.FromResult<string?>(accessToken);
            })
            .AddJsonProtocol(o => WorkbenchJson.Configure(o.PayloadSerializerOptions))
            .Build();
        var client = new HubTestClient(connection);
        await connection.StartAsync();
        return client;
    }

    public async Task<JoinRunResult> JoinAsync(string runId, long afterSequence)
    {
        var result = await Connection.InvokeAsync<JoinRunResult>("JoinRun", runId, afterSequence);
        lock (_gate) _joined.AddRange(result.Events);
        if (result.Events.Any(e => e.Event is RunCompleted or RunFailed or RunCancelled)) _terminal.TrySetResult();
        return result;
    }

    /// <summary>When each of <see cref="Live"/> arrived (this machine's clock).</summary>
    public IReadOnlyList<DateTimeOffset> LiveArrivals
    {
        get
        {
            lock (_gate) return [.. _arrivals];
        }
    }

    public IReadOnlyList<RunEventEnvelope> Live
    {
        get
        {
            lock (_gate) return [.. _live];
        }
    }

    public IReadOnlyList<RunEventEnvelope> Joined
    {
        get
        {
            lock (_gate) return [.. _joined];
        }
    }

    /// <summary>Every sequence received, in the order a client applies them (join results, then live).</summary>
    public IReadOnlyList<long> AllSequences => [.. Joined.Concat(Live).Select(e => e.Sequence).Order()];

    public Task WaitForTerminalAsync(TimeSpan? timeout = null) => _terminal.Task.WaitAsync(timeout ?? TimeSpan.FromSeconds(30));

    public async Task WaitForLiveCountAsync(int count, TimeSpan? timeout = null)
    {
        using var limit = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(30));
        while (Live.Count < count)
        {
            await Task.Delay(10, limit.Token);
        }
    }

    public async ValueTask DisposeAsync() => await Connection.DisposeAsync();
}
