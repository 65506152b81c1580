using BiDoRA.Workbench.Services.Runs;
using BiDoRA.Workbench.Services.Storage;
using Microsoft.AspNetCore.SignalR;

namespace BiDoRA.Workbench.Services.Events;

/// <summary>
/// <c>/hubs/training</c>. A client calls <see cref="JoinRun"/> with the last sequence it has (0 for none) and gets
/// the run's state plus every stored event after that sequence; from then on it receives <c>event</c> messages
/// (<see cref="RunEventEnvelope"/>) for later events, in order, and <c>status</c> messages (<see cref="RunRecord"/>)
/// when the run changes state. Each event reaches it once, either in the join result or live; a live message may
/// arrive before the join result, so a client orders by sequence. After a reconnect it joins again with its last
/// sequence.
/// </summary>
internal sealed class TrainingHub(IRunStore runs, RunEventHub events, HubRunStreams streams) : Hub
{
    public const string Path = "/hubs/training";

    public const string AllRunsGroup = "runs";

    public static string GroupName(string runId) => "run:" + runId;

    public async Task<JoinRunResult> JoinRun(string runId, long afterSequence)
    {
        if (runs.Get(runId) is null) throw new HubException($"Run '{runId}' does not exist.");
        if (afterSequence < 0) throw new HubException("afterSequence must be 0 or more.");

        await Groups.AddToGroupAsync(Context.ConnectionId, GroupName(runId), Context.ConnectionAborted);
        var subscription = events.Subscribe(runId);
        IReadOnlyList<RunEventEnvelope> backlog;
        try
        {
            backlog = await events.ReadAsync(runId, afterSequence, subscription.StartSequence, Context.ConnectionAborted);
        }
        catch
        {
            subscription.Dispose();
            throw;
        }
        streams.Start(Context.ConnectionId, subscription);
        var state = runs.Get(runId) ?? throw new HubException($"Run '{runId}' was deleted.");
        return new JoinRunResult(state, backlog, subscription.StartSequence);
    }

    public async Task LeaveRun(string runId)
    {
        streams.Stop(Context.ConnectionId, runId);
        await Groups.RemoveFromGroupAsync(Context.ConnectionId, GroupName(runId));
    }

    /// <summary>Status messages of every run (for run lists).</summary>
    public Task WatchRuns() => Groups.AddToGroupAsync(Context.ConnectionId, AllRunsGroup);

    public override Task OnDisconnectedAsync(Exception? exception)
    {
        streams.StopAll(Context.ConnectionId);
        return base.OnDisconnectedAsync(exception);
    }
}
