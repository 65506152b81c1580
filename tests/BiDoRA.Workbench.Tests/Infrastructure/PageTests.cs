using Bunit;
using Microsoft.AspNetCore.Components;
using MudBlazor.Services;

namespace BiDoRA.Workbench.Tests.Infrastructure;

/// <summary>
/// Pages rendered with bUnit over a real workbench's services (LiteDB, queue, stores): the server runs on a
/// scripted executor that holds every run until the test releases it.
/// </summary>
public abstract class PageTests : IAsyncLifetime
{
    protected BunitContext Context { get; } = new();

    internal WorkbenchServer Server { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Server = await WorkbenchServer.StartAsync(executor: new ScriptedRunExecutor { HoldEveryRun = true });
        Context.Services.AddMudServices();
        Context.Services.AddFallbackServiceProvider(Server.Services);
        Context.JSInterop.Mode = JSRuntimeMode.Loose;
    }

    public async Task DisposeAsync()
    {
        await Context.DisposeAsync();
        await Server.DisposeAsync();
    }

    /// <summary>A page, with the popover provider MudBlazor's selects and menus need.</summary>
    protected IRenderedComponent<T> RenderPage<T>() where T : IComponent
    {
        Context.Render<MudBlazor.MudPopoverProvider>();
        return Context.Render<T>();
    }

    // MudBlazor puts extra attributes on the input itself or on its wrapper, depending on the component.
    protected static AngleSharp.Dom.IElement Input<T>(IRenderedComponent<T> page, string testId) where T : IComponent
    {
        var element = page.Find($"[data-testid={testId}]");
        return element.TagName == "INPUT" ? element : element.QuerySelector("input")!;
    }
}
