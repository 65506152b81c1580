namespace BiDoRA.Engine.Design;

/// <summary>One variant to score, with where it came from and, for a ProteinGym assay, its measured DMS score.</summary>
public sealed record VariantEntry(string Location, Variant Variant, double? DmsScore);
