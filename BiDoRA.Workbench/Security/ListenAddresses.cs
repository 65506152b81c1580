using System.Net;

namespace BiDoRA.Workbench.Security;

/// <summary>Reads Kestrel URLs ("http://127.0.0.1:5000;http://0.0.0.0:80") to tell whether anything beyond this machine can connect.</summary>
internal static class ListenAddresses
{
    public static IReadOnlyList<string> Split(string? urls) =>
        (urls ?? "").Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    public static bool IsLoopback(string url)
    {
        var host = HostOf(url);
        if (host.Equals("localhost", StringComparison.OrdinalIgnoreCase)) return true;
        // "*", "+", "0.0.0.0", "[::]" and host names listen on (or resolve to) other interfaces.
        return IPAddress.TryParse(host.Trim('[', ']'), out var address) && IPAddress.IsLoopback(address);
    }

    public static bool AllLoopback(IEnumerable<string> urls) => urls.All(IsLoopback);

    private static string HostOf(string url)
    {
        var rest = url.Contains("://", StringComparison.Ordinal) ? url[(url.IndexOf("://", StringComparison.Ordinal) + 3)..] : url;
        var slash = rest.IndexOf('/');
        if (slash >= 0) rest = rest[..slash];
        if (rest.StartsWith('['))
        {
            var close = rest.IndexOf(']');
            return close > 0 ? rest[..(close + 1)] : rest;
        }
        var colon = rest.LastIndexOf(':');
        return colon >= 0 ? rest[..colon] : rest;
    }
}
