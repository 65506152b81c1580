using System.Net;
using BiDoRA.Engine.Training;
using BiDoRA.Workbench.Services.Runs;
using BiDoRA.Workbench.Tests.Infrastructure;

namespace BiDoRA.Workbench.Tests.Events;

/// <summary>The workbench under load while the engine's real trainer keeps the CPU busy.</summary>
[Collection(nameof(RealTrainingCollection))]
public sealed class TrainingLoadTests
{
    private const int Clients = 20;
    private const int Steps = 30;

    [Fact]
    public async Task While_a_real_run_trains_twenty_hub_clients_each_get_every_event_in_order_and_pages_keep_answering()
    {
        await using var server = await WorkbenchServer.StartWithTrainerAsync();
        var run = await server.CreateRunAsync(server.AddBbpDataset().Id, new
        {
            method = "lora", steps = Steps, batchSize = 8, checkpointEvery = 15, evalEvery = 15, device = "cpu",
        });

        var clients = await Task.WhenAll(Enumerable.Range(0, Clients).Select(_ => HubTestClient.ConnectAsync(server.BaseAddress)));
        try
        {
            await Task.WhenAll(clients.Select(c => c.JoinAsync(run.Id, 0)));
            await clients[0].WaitForLiveCountAsync(3, TimeSpan.FromMinutes(2));

            // Pages render and the API answers while training runs on the same machine.
            var answeredDuringTraining = 0;
            while ((await server.GetRunAsync(run.Id)).Status == RunStatus.Running)
            {
                foreach (var path in new[] { "/", "/runs", $"/runs/{run.Id}", $"/api/runs/{run.Id}" })
                {
                    using var response = await server.Http.GetAsync(path);
                    Assert.True(response.StatusCode == HttpStatusCode.OK, $"GET {path} answered {(int)response.StatusCode} during training");
                    Assert.NotEmpty(await response.Content.ReadAsStringAsync());
                }
                if ((await server.GetRunAsync(run.Id)).Status == RunStatus.Running) answeredDuringTraining++;
                // A person clicking, not a benchmark: leave the trainer the CPU between rounds.
                await Task.Delay(200);
            }
            Assert.True(answeredDuringTraining > 0, "the run ended before any page was requested");

            await Task.WhenAll(clients.Select(c => c.WaitForTerminalAsync(TimeSpan.FromMinutes(2))));
            var done = await server.WaitForStatusAsync(run.Id, RunStatus.Completed);
            var expected = Enumerable.Range(1, (int)done.LastSequence).Select(i => (long)i).ToList();
            foreach (var client in clients)
            {
                Assert.Equal(expected, client.AllSequences);
                Assert.Equal(client.Live.Select(e => e.Sequence).Order(), client.Live.Select(e => e.Sequence));
                Assert.Equal(Steps, client.Joined.Concat(client.Live).Count(e => e.Event is StepCompleted));
                Assert.IsType<RunCompleted>(client.Live[^1].Event);
            }
        }
        finally
        {
            foreach (var client in clients) await client.DisposeAsync();
        }
    }
}
