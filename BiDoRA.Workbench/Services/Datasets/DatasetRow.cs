namespace BiDoRA.Workbench.Services.Datasets;

/// <summary>One stored row of a dataset.</summary>
/// <param name="Index">0-based position in the stored dataset.</param>
/// <param name="Id">The row's id (from the file, or row-N with N its row in the uploaded file).</param>
/// <param name="Sequence">Normalised: upper case, no white space.</param>
/// <param name="Label">The label as written in the file.</param>
/// <param name="Split">train or test.</param>
public sealed record DatasetRow(int Index, string Id, string Sequence, string Label, string Split);
