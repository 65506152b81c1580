using System.Text.Json;
using BiDoRA.Workbench.Services.Events;
using BiDoRA.Workbench.Services.Runs;
using BiDoRA.Workbench.Services.Storage;
using StackExchange.Redis;

namespace BiDoRA.Workbench.Services.Cluster;

/// <summary>
/// A web node's ear on the cluster: events and run records that workers (and other web nodes) stored arrive through
/// Redis and go to this node's pages and hub connections. Redis only makes it quick: whenever it is down, and for a
/// while after it comes back, the node also reads from PostgreSQL what its listeners have not seen, so nothing is
/// lost, only later.
/// </summary>
internal sealed class RedisEventRelay(
    IConnectionMultiplexer redis, RunEventHub hub, RunStatusNotifier notifier, IRunStore runs, NodeIdentity node,
    ILogger<RedisEventRelay> logger) : BackgroundService
{
    private static readonly TimeSpan CatchUpInterval = TimeSpan.FromSeconds(1);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var subscriber = redis.GetSubscriber();
        var subscribed = false;
        var lastTrouble = DateTime.UtcNow;
        redis.ConnectionFailed += (_, _) => lastTrouble = DateTime.UtcNow;
        redis.ConnectionRestored += (_, _) => lastTrouble = DateTime.UtcNow;
        while (!stoppingToken.IsCancellationRequested)
        {
            if (!subscribed) subscribed = await TrySubscribeAsync(subscriber);
            // Poll while Redis is down and shortly after (messages published during the outage are gone for good).
            if (!redis.IsConnected || !subscribed || DateTime.UtcNow - lastTrouble < TimeSpan.FromSeconds(10))
            {
                if (!redis.IsConnected) lastTrouble = DateTime.UtcNow;
                CatchUp();
            }
            try
            {
                await Task.Delay(CatchUpInterval, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }
    }

    private async Task<bool> TrySubscribeAsync(ISubscriber subscriber)
    {
        try
        {
            await subscriber.SubscribeAsync(RedisRunEventBus.EventsChannel, (_, message) => OnEvents(message));
            await subscriber.SubscribeAsync(RedisRunEventBus.StatusChannel, (_, message) => OnStatus(message));
            return true;
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            logger.LogWarning("Subscribing to Redis failed ({Message}); reading events from PostgreSQL meanwhile.", ex.Message);
            return false;
        }
    }

    private void OnEvents(RedisValue message)
    {
        try
        {
            foreach (var envelope in JsonSerializer.Deserialize<RunEventEnvelope[]>(message.ToString(), WorkbenchJson.Options) ?? []) hub.Relay(envelope);
        }
        catch (Exception ex)
        {
            logger.LogWarning(ex, "An event message from Redis was unreadable; the store has it.");
        }
    }

    private void OnStatus(RedisValue message)
    {
        try
        {
            var status = JsonSerializer.Deserialize<RedisRunEventBus.StatusMessage>(message.ToString(), WorkbenchJson.Options);
            if (status is not null && status.Origin != node.Id) _ = notifier.NotifyAsync(status.Run);
        }
        catch (Exception ex)
        {
            logger.LogWarning(ex, "A status message from Redis was unreadable.");
        }
    }

    private void CatchUp()
    {
        try
        {
            foreach (var runId in hub.CatchUp())
            {
                if (runs.Get(runId) is { } run) _ = notifier.NotifyAsync(run);
            }
        }
        catch (Exception ex)
        {
            logger.LogWarning("Catching up from PostgreSQL failed ({Message}); trying again.", ex.Message);
        }
    }
}
