using TorchSharp;
using TorchSharp.Modules;

namespace BiDoRA.Engine.Esm;

/// <summary>
/// Builds the model's layers with uninitialised storage: a checkpoint overwrites every value anyway, and
/// TorchSharp's default initialisation of a 3B model would cost far more time than reading it.
/// <see cref="EsmModel.Create"/> initialises explicitly afterwards.
/// </summary>
internal static class EsmParameters
{
    public static Linear Linear(long inFeatures, long outFeatures, torch.Device? device, torch.ScalarType dtype, bool bias = true)
    {
        var weight = new Parameter(torch.empty([outFeatures, inFeatures], dtype: dtype, device: device));
        var biasParameter = bias ? new Parameter(torch.zeros([outFeatures], dtype: dtype, device: device)) : null;
        return torch.nn.Linear(weight, biasParameter);
    }

    public static LayerNorm LayerNorm(long size, double eps, torch.Device? device, torch.ScalarType dtype) =>
        torch.nn.LayerNorm(size, eps, elementwise_affine: true, bias: true, device: device, dtype: dtype);
}
