namespace BiDoRA.Engine.Esm;

/// <summary>Floating-point type a model computes in.</summary>
public enum EsmPrecision
{
    Float32,
    Float64,
}
