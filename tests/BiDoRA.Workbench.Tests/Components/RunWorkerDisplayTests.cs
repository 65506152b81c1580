using BiDoRA.Workbench.Components.Runs;
using BiDoRA.Workbench.Services.Runs;
using BiDoRA.Workbench.Tests.Infrastructure;
using Bunit;

namespace BiDoRA.Workbench.Tests.Components;

/// <summary>Cluster mode: the run page says which worker trains (or trained) the run, or which queue it waits in.</summary>
public sealed class RunWorkerDisplayTests : PageTests
{
    [Fact]
    public void The_run_header_names_the_worker_or_the_queue_and_embedded_runs_show_neither()
    {
        var draft = Server.Services.GetRequiredService<RunFactory>().Create(new NewRunRequest { DatasetId = Server.AddDataset().Id, Steps = 10 });
        Context.Render<MudBlazor.MudPopoverProvider>();

        string Text(RunRecord run, string testId) => Context.Render<RunHeader>(p => p.Add(x => x.Run, run)).Find($"[data-testid={testId}]").TextContent.Trim();
        Assert.Equal("training on gpu-box-1/cuda:0", Text(draft with { Status = RunStatus.Running, Worker = "gpu-box-1/cuda:0", Queue = "gpu" }, "run-worker"));
        Assert.Equal("trained on gpu-box-2/cuda:1", Text(draft with { Status = RunStatus.Completed, Worker = "gpu-box-2/cuda:1", Queue = "gpu" }, "run-worker"));
        Assert.Equal("waiting for a worker on the cpu queue", Text(draft with { Status = RunStatus.Queued, Queue = "cpu" }, "run-queue"));

        var embedded = Context.Render<RunHeader>(p => p.Add(x => x.Run, draft with { Status = RunStatus.Running }));
        Assert.Empty(embedded.FindAll("[data-testid=run-worker]"));
        Assert.Empty(embedded.FindAll("[data-testid=run-queue]"));
    }
}
