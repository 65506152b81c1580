using System.Text.Json;
using BiDoRA.Workbench.Services.Events;
using BiDoRA.Workbench.Services.Runs;
using StackExchange.Redis;

namespace BiDoRA.Workbench.Services.Cluster;

/// <summary>
/// Redis pub/sub between the nodes of a cluster: stored events and changed run records, fire-and-forget. While
/// Redis is down nothing is queued up here (<see cref="BacklogPolicy.FailFast"/>); the web nodes catch up from
/// PostgreSQL instead (<see cref="RedisEventRelay"/>).
/// </summary>
internal sealed class RedisRunEventBus(IConnectionMultiplexer redis, NodeIdentity node, ILogger<RedisRunEventBus> logger) : IRunEventBus
{
    public static readonly RedisChannel EventsChannel = RedisChannel.Literal("bidora:events");
    public static readonly RedisChannel StatusChannel = RedisChannel.Literal("bidora:status");

    public void EventsStored(IReadOnlyList<RunEventEnvelope> stored) =>
        Send(EventsChannel, JsonSerializer.Serialize(stored, WorkbenchJson.Options));

    public void StatusChanged(RunRecord run) =>
        Send(StatusChannel, JsonSerializer.Serialize(new StatusMessage(node.Id, run), WorkbenchJson.Options));

    private void Send(RedisChannel channel, string message)
    {
        try
        {
            redis.GetSubscriber().Publish(channel, message, CommandFlags.FireAndForget);
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException or ObjectDisposedException)
        {
            logger.LogDebug("Redis is unreachable ({Message}); other nodes read this from PostgreSQL.", ex.Message);
        }
    }

    internal sealed record StatusMessage(string Origin, RunRecord Run);
}

/// <summary>This process among the cluster's nodes (to skip its own status messages coming back).</summary>
internal sealed record NodeIdentity(string Id)
{
    public static NodeIdentity New() => new($"{Environment.MachineName}:{Environment.ProcessId}:{Guid.NewGuid():N}");
}
