namespace BiDoRA.Engine.Design;

/// <summary>A variant that cannot be read or does not fit the wild type; the message names the variant (and its row, for a file).</summary>
public sealed class VariantFormatException(string message) : FormatException(message);
