using BiDoRA.Engine.Adapters;
using BiDoRA.Engine.Training;
using BiDoRA.Workbench.Components.Pages;
using BiDoRA.Workbench.Services.Runs;
using BiDoRA.Workbench.Services.Storage;
using BiDoRA.Workbench.Tests.Infrastructure;
using Bunit;
using Microsoft.AspNetCore.Components;

namespace BiDoRA.Workbench.Tests.Components;

/// <summary>The New run form and the runs list rendered with bUnit over a real workbench's services (LiteDB, queue).</summary>
public sealed class RunPagesTests : PageTests
{
    [Fact]
    public void New_run_without_datasets_says_where_to_get_one()
    {
        var page = RenderPage<NewRun>();
        Assert.Contains("Upload one or add a sample", page.Find("[data-testid=new-run-no-datasets]").TextContent);
    }

    [Fact]
    public void New_run_shows_the_factory_errors_on_their_fields_and_the_exact_trainable_count()
    {
        var dataset = Server.AddDataset("peptides");
        var page = RenderPage<NewRun>();

        // The offline default is mini (4 layers, hidden 64). BiDoRA rank 8 on query and value: 4·2·8·(64+64) adapter
        // + 4·2·64 magnitude + head 64·64+64 + 64·2+2 = 8192 + 512 + 4290.
        page.WaitForAssertion(() => Assert.Equal("12,994", page.Find("[data-testid=new-run-trainable]").TextContent.Trim()), TimeSpan.FromSeconds(30));
        // mini's step takes milliseconds on an idle machine and seconds on a loaded one: the estimate is shown either way.
        Assert.Matches(@"≈ [0-9.]+ m?s", page.Find("[data-testid=new-run-step-time]").TextContent);

        Input(page, "new-run-steps").Change("0");
        page.WaitForAssertion(() => Assert.Contains("Steps must be greater than 0.", page.Markup));
        Assert.Contains("Fix the marked fields", page.Find("[data-testid=new-run-estimate]").TextContent);

        Input(page, "new-run-steps").Change("3");
        Input(page, "new-run-seed").Change("-1");
        page.WaitForAssertion(() => Assert.Contains("Seed must be 0 or more.", page.Markup));
        Assert.DoesNotContain("Steps must be greater than 0.", page.Markup);

        // Submitting with an error starts nothing and lists the problems.
        page.Find("form").Submit();
        Assert.Contains("Fix the marked fields", page.Find("[data-testid=new-run-errors]").TextContent);
        Assert.Empty(Server.Services.GetRequiredService<RunStore>().List());

        Input(page, "new-run-seed").Change("7");
        page.Find("form").Submit();
        // Submitting is asynchronous (the plan is validated and queued off the render thread).
        page.WaitForAssertion(() => Assert.Single(Server.Services.GetRequiredService<RunStore>().List()), TimeSpan.FromSeconds(30));
        var run = Assert.Single(Server.Services.GetRequiredService<RunStore>().List());
        Assert.Equal((3, 7, AdapterMethod.BiDora, dataset.Id), (run.Plan.Steps, run.Plan.Seed, run.Plan.Method, run.DatasetId));
        Assert.EndsWith($"runs/{run.Id}", Context.Services.GetRequiredService<NavigationManager>().Uri);
    }

    [Fact]
    public void New_run_estimate_follows_the_method()
    {
        Server.AddDataset();
        var page = RenderPage<NewRun>();
        page.WaitForAssertion(() => Assert.Equal("12,994", page.Find("[data-testid=new-run-trainable]").TextContent.Trim()), TimeSpan.FromSeconds(30));

        // LoRA drops the magnitudes (512); full fine-tuning trains the whole backbone and the head.
        page.FindAll("[data-testid=new-run-method] input")[2].Click();
        page.WaitForAssertion(() => Assert.Equal("12,482", page.Find("[data-testid=new-run-trainable]").TextContent.Trim()), TimeSpan.FromSeconds(30));
        Assert.Contains("Low-rank adapters", page.Find("[data-testid=new-run-method-help]").TextContent);
    }

    [Fact]
    public void New_run_offers_the_bundled_mini_as_the_offline_default()
    {
        Server.AddDataset();
        var page = RenderPage<NewRun>();
        Assert.Equal("mini", page.Find("input[data-testid=new-run-model], [data-testid=new-run-model] input").GetAttribute("value"));
    }

    [Fact]
    public void Pretrain_choice_offers_full_lora_and_dora_and_queues_a_pretraining_run()
    {
        var dataset = Server.AddDataset("peptides");
        var page = RenderPage<NewRun>();
        Assert.Equal(4, page.FindAll("[data-testid=new-run-method] input").Count);

        page.FindAll("[data-testid=new-run-kind] input")[1].Click();
        page.WaitForAssertion(() => Assert.Contains("masked-LM training", page.Find("[data-testid=new-run-kind-help]").TextContent));
        Assert.Equal(3, page.FindAll("[data-testid=new-run-method] input").Count);
        Assert.Equal("mini-peptides-pretrained", page.Find("input[data-testid=new-run-output-model], [data-testid=new-run-output-model] input").GetAttribute("placeholder"));
        Assert.Equal("Start pretraining", page.Find("[data-testid=new-run-start]").TextContent.Trim());

        Input(page, "new-run-held-out").Change("1.5");
        page.WaitForAssertion(() => Assert.Contains("Held-out share must be between 0 and 1", page.Markup));
        Input(page, "new-run-held-out").Change("0.1");
        Input(page, "new-run-output-model").Change("peptide-mlm");
        Input(page, "new-run-steps").Change("3");
        page.Find("form").Submit();
        page.WaitForAssertion(() => Assert.Single(Server.Services.GetRequiredService<RunStore>().List()), TimeSpan.FromSeconds(30));
        var run = Assert.Single(Server.Services.GetRequiredService<RunStore>().List());
        Assert.Equal((RunKind.Pretrain, AdapterMethod.Full, 3, "mini", dataset.Id), (run.Plan.Kind, run.Plan.Method, run.Plan.Steps, run.Plan.Model, run.DatasetId));
        Assert.Equal(0.1, run.Plan.Pretraining!.HeldOutFraction);
        Assert.EndsWith(Path.Combine("models", "peptide-mlm"), run.Plan.Pretraining.ModelDirectory, StringComparison.Ordinal);
    }

    [Fact]
    public async Task New_run_names_its_dataset_before_the_circuit_connects()
    {
        var dataset = Server.AddDataset("peptides");

        // The page as the server prerenders it: the select has no items yet, so its field's text is all a user sees.
        var html = await Server.Http.GetStringAsync($"/runs/new?dataset={dataset.Id}");
        var field = new AngleSharp.Html.Parser.HtmlParser().ParseDocument(html).QuerySelector("input[data-testid=new-run-dataset]");

        Assert.NotNull(field);
        Assert.Equal($"peptides ({dataset.Rows} rows, {dataset.Task.ToString().ToLowerInvariant()})", field.GetAttribute("value"));
    }

    // Selects and tooltips open through the popover provider the layout normally holds.
    [Fact]
    public async Task Runs_list_shows_queue_positions_and_cancels()
    {
        var dataset = Server.AddDataset();
        var first = await Server.CreateRunAsync(dataset.Id, new { name = "first" });
        await Server.Executor.WaitUntilStartedAsync(first.Id);
        var second = await Server.CreateRunAsync(dataset.Id, new { name = "second" });

        var page = RenderPage<BiDoRA.Workbench.Components.Pages.Runs>();
        Assert.Contains("1 training · 1 queued", page.Markup);
        Assert.Contains("#1 in queue", page.Markup);

        var cancel = page.FindAll("[data-testid=runs-cancel]");
        Assert.Equal(2, cancel.Count);
        // Newest first: the queued run is the first row.
        cancel[0].Click();
        // The click's handler cancels through the queue asynchronously.
        await Server.WaitForStatusAsync(second.Id, RunStatus.Cancelled);
        page.WaitForAssertion(() => Assert.Single(page.FindAll("[data-testid=runs-resume]")));
        Server.Executor.Release(first.Id);
    }
}
