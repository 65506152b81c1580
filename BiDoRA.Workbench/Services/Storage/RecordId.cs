using System.Security.Cryptography;
using System.Text.RegularExpressions;

namespace BiDoRA.Workbench.Services.Storage;

/// <summary>
/// Identifiers of datasets and runs. They name folders and files on disk, so they are generated here and every id
/// that arrives from outside is checked against the same shape before it comes near a path.
/// </summary>
internal static partial class RecordId
{
    public static string New() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8));

    public static bool IsValid(string? id) => id is not null && Shape().IsMatch(id);

    [GeneratedRegex("^[a-z0-9]{1,32}$", RegexOptions.CultureInvariant)]
    private static partial Regex Shape();
}
