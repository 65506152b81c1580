using System.Diagnostics;
using BiDoRA.Engine.Runtime;
using TorchSharp;
using static TorchSharp.torch;

namespace BiDoRA.Benchmarks;

/// <summary>Float32 products of square matrices on the benchmark's device: the speed the machine's BLAS reaches.</summary>
internal static class MatmulPeakMeter
{
    public static MatmulPeak Measure(IReadOnlyList<int> sizes, Device device, CancellationToken ct)
    {
        var results = new List<MatmulMeasurement>();
        foreach (var n in sizes)
        {
            ct.ThrowIfCancellationRequested();
            using var scope = NewDisposeScope();
            var a = randn([n, n], dtype: ScalarType.Float32, device: device);
            var b = randn([n, n], dtype: ScalarType.Float32, device: device);
            var flops = 2.0 * n * n * n;
            // Enough repetitions for about a second at 20 GFLOP/s, at least 3.
            var repetitions = Math.Clamp((int)(2e10 / flops), 3, 50);
            Product(a, b);
            var seconds = new List<double>(repetitions);
            for (var r = 0; r < repetitions; r++)
            {
                var clock = Stopwatch.StartNew();
                Product(a, b);
                seconds.Add(clock.Elapsed.TotalSeconds);
            }
            // The fastest repetition is the peak: the others lost time to whatever else the machine did.
            var best = seconds.Min();
            results.Add(new MatmulMeasurement(n, flops / best / 1e9, TimingSummary.Of(seconds)));
        }
        return new MatmulPeak(results, results.Max(r => r.Gflops));
    }

    private static void Product(Tensor a, Tensor b)
    {
        using var product = TensorProducts.MatMul(a, b);
        if (product.device_type == DeviceType.CUDA) cuda.synchronize();
    }
}
