using MudBlazor;

namespace BiDoRA.Workbench.Components.Layout;

/// <summary>Colours and type of the workbench; system fonts, because the app works offline.</summary>
internal static class WorkbenchTheme
{
    private static readonly string[] Fonts = ["system-ui", "-apple-system", "Segoe UI", "Roboto", "Helvetica Neue", "Arial", "sans-serif"];

    public static MudTheme Theme { get; } = new()
    {
        PaletteLight = new PaletteLight
        {
            Primary = "#2e6f73",
            Secondary = "#b5563c",
            AppbarBackground = "#2e6f73",
        },
        PaletteDark = new PaletteDark
        {
            Primary = "#6cc3c7",
            Secondary = "#e48a6f",
        },
        Typography = new Typography
        {
            Default = new DefaultTypography { FontFamily = Fonts },
        },
    };
}
