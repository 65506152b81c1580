namespace BiDoRA.Engine.Data;

/// <summary>Where a row belongs. A "val"/"validation"/"dev" value in a split column counts as held-out test data: the trainer makes its own validation part from the training rows.</summary>
public enum DatasetSplit
{
    Train,
    Test,
}
