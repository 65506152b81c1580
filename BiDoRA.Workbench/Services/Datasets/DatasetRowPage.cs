namespace BiDoRA.Workbench.Services.Datasets;

/// <summary>A window of a dataset's rows, for a virtualised table.</summary>
/// <param name="Offset">Index of the first row returned.</param>
/// <param name="Total">Rows in the whole dataset.</param>
public sealed record DatasetRowPage(string DatasetId, int Offset, int Total, IReadOnlyList<DatasetRow> Rows);
