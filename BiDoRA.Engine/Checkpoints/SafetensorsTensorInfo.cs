namespace BiDoRA.Engine.Checkpoints;

/// <summary>One header entry: where a tensor's bytes lie, relative to the start of the data section.</summary>
public sealed record SafetensorsTensorInfo(string Name, SafetensorsDType DType, IReadOnlyList<long> Shape, long Begin, long End)
{
    public long ElementCount => Shape.Aggregate(1L, (a, b) => checked(a * b));

    public long ByteLength => End - Begin;
}
