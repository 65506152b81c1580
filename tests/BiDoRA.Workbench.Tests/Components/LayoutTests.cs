using BiDoRA.Workbench.Components.Layout;
using Bunit;
using Microsoft.AspNetCore.Components;
using MudBlazor.Services;

namespace BiDoRA.Workbench.Tests.Components;

public sealed class LayoutTests : IAsyncLifetime
{
    // MudBlazor's services dispose only asynchronously, so the context is disposed through IAsyncLifetime.
    private readonly BunitContext _context = new();

    public LayoutTests()
    {
        _context.Services.AddMudServices();
        _context.JSInterop.Mode = JSRuntimeMode.Loose;
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _context.DisposeAsync();

    [Fact]
    public void Navigation_links_every_section()
    {
        var layout = RenderLayout(darkMode: false);
        var nav = layout.Find("nav");
        var hrefs = nav.QuerySelectorAll("a").Select(a => a.GetAttribute("href")).ToList();
        Assert.Equal(["", "datasets", "models", "runs", "sweeps", "compare", "predict", "design", "variants", "embedding-map"], hrefs);
        Assert.Equal(["Home", "Datasets", "Models", "Runs", "Sweeps", "Compare", "Predict", "Design", "Variants", "Embedding map"], nav.QuerySelectorAll("a").Select(a => a.TextContent.Trim()));
        Assert.Contains("page body", layout.Find(".mud-main-content").TextContent);
    }

    [Fact]
    public void Theme_toggle_switches_and_remembers_the_choice()
    {
        var layout = RenderLayout(darkMode: false);
        Assert.Equal("Switch to dark theme", layout.Find("[data-testid=theme-toggle]").GetAttribute("aria-label"));

        layout.Find("[data-testid=theme-toggle]").Click();
        var call = Assert.Single(_context.JSInterop.Invocations, i => i.Identifier == "bidoraWorkbench.setTheme");
        Assert.Equal("dark", call.Arguments[0]);
        Assert.Equal("Switch to light theme", layout.Find("[data-testid=theme-toggle]").GetAttribute("aria-label"));

        layout.Find("[data-testid=theme-toggle]").Click();
        Assert.Equal("light", _context.JSInterop.Invocations.Last(i => i.Identifier == "bidoraWorkbench.setTheme").Arguments[0]);
    }

    [Fact]
    public void The_remembered_dark_theme_applies_on_first_render()
    {
        var dark = RenderLayout(darkMode: true);
        Assert.Equal("Switch to light theme", dark.Find("[data-testid=theme-toggle]").GetAttribute("aria-label"));
        // MudBlazor writes the active palette as CSS variables: the dark primary colour, not the light one.
        Assert.Contains("--mud-palette-primary: rgba(108,195,199,1)", dark.Markup);
        Assert.DoesNotContain(_context.JSInterop.Invocations, i => i.Identifier == "bidoraWorkbench.setTheme");
    }

    private IRenderedComponent<CascadingValue<bool>> RenderLayout(bool darkMode) =>
        _context.Render<CascadingValue<bool>>(p => p
            .Add(c => c.Name, ThemePreference.CascadingName)
            .Add(c => c.Value, darkMode)
            .AddChildContent<MainLayout>(l => l.Add(m => m.Body, (RenderFragment)(b => b.AddContent(0, "page body")))));
}
