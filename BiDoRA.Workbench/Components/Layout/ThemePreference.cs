namespace BiDoRA.Workbench.Components.Layout;

/// <summary>The light/dark choice, kept in a cookie so the server renders the right theme on the first request.</summary>
internal static class ThemePreference
{
    public const string CookieName = "bidora.theme";

    public const string CascadingName = "InitialDarkMode";

    /// <summary>The current choice, cascaded by the layout to components that colour themselves (charts).</summary>
    public const string DarkModeName = "DarkMode";

    public static bool IsDark(string? cookie) => string.Equals(cookie, "dark", StringComparison.Ordinal);
}
