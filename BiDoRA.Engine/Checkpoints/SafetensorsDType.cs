using TorchSharp;

namespace BiDoRA.Engine.Checkpoints;

/// <summary>The element types this project reads and writes in safetensors files.</summary>
public enum SafetensorsDType
{
    F32,
    F16,
    BF16,
    F64,
    I64,
}

/// <summary>Names, sizes and TorchSharp counterparts of <see cref="SafetensorsDType"/>.</summary>
public static class SafetensorsDTypes
{
    public static int ElementSize(this SafetensorsDType dtype) => dtype switch
    {
        SafetensorsDType.F32 => 4,
        SafetensorsDType.F16 => 2,
        SafetensorsDType.BF16 => 2,
        SafetensorsDType.F64 => 8,
        SafetensorsDType.I64 => 8,
        _ => throw new ArgumentOutOfRangeException(nameof(dtype), dtype, null),
    };

    public static torch.ScalarType ToScalarType(this SafetensorsDType dtype) => dtype switch
    {
        SafetensorsDType.F32 => torch.ScalarType.Float32,
        SafetensorsDType.F16 => torch.ScalarType.Float16,
        SafetensorsDType.BF16 => torch.ScalarType.BFloat16,
        SafetensorsDType.F64 => torch.ScalarType.Float64,
        SafetensorsDType.I64 => torch.ScalarType.Int64,
        _ => throw new ArgumentOutOfRangeException(nameof(dtype), dtype, null),
    };

    /// <exception cref="NotSupportedException">The tensor's type has no safetensors code here.</exception>
    public static SafetensorsDType FromScalarType(torch.ScalarType type) => type switch
    {
        torch.ScalarType.Float32 => SafetensorsDType.F32,
        torch.ScalarType.Float16 => SafetensorsDType.F16,
        torch.ScalarType.BFloat16 => SafetensorsDType.BF16,
        torch.ScalarType.Float64 => SafetensorsDType.F64,
        torch.ScalarType.Int64 => SafetensorsDType.I64,
        _ => throw new NotSupportedException($"Tensors of type {type} cannot be written to safetensors here (supported: F32, F16, BF16, F64, I64)."),
    };

    internal static bool TryParse(string code, out SafetensorsDType dtype)
    {
        switch (code)
        {
            case "F32": dtype = SafetensorsDType.F32; return true;
            case "F16": dtype = SafetensorsDType.F16; return true;
            case "BF16": dtype = SafetensorsDType.BF16; return true;
            case "F64": dtype = SafetensorsDType.F64; return true;
            case "I64": dtype = SafetensorsDType.I64; return true;
            default: dtype = default; return false;
        }
    }
}
