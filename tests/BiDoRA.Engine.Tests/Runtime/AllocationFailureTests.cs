using BiDoRA.Engine.Runtime;
using BiDoRA.Engine.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace BiDoRA.Engine.Tests.Runtime;

/// <summary>
/// A batch too large for the machine must fail the run, not the process. The products here ask for 256 TB, more
/// than a 64-bit process can map, so the allocation fails at once whatever the machine and its overcommit policy.
/// </summary>
public sealed class AllocationFailureTests
{
    private const long Side = 1L << 23;

    [Fact]
    public void An_attention_sized_product_too_large_to_allocate_is_an_exception_that_reads_as_out_of_memory()
    {
        using var left = ones(1, Side, 1);
        using var right = ones(1, 1, Side);
        // Tensor.matmul here would terminate the test process (TorchSharp does not catch libtorch errors in it).
        var error = Assert.ThrowsAny<Exception>(() => TensorProducts.BatchedMatMul(left, right));

        Assert.True(OutOfMemory.Is(error), error.Message);
        var plan = new RunPlan { DatasetPath = "data.csv", OutputDirectory = "run", BatchSize = 64 };
        var message = OutOfMemory.Describe(error, plan, "cpu");
        Assert.StartsWith("Ran out of memory on cpu at batch size 64 (one tensor needed 262144 GB).", message);
        Assert.Contains("smaller batch size", message);
        Assert.DoesNotContain("frame #", message);
    }

    [Fact]
    public void The_batched_product_equals_matmul()
    {
        using var scope = NewDisposeScope();
        var a = randn(2, 3, 5, 4, dtype: ScalarType.Float64);
        var b = randn(2, 3, 4, 6, dtype: ScalarType.Float64);
        var product = TensorProducts.BatchedMatMul(a, b);
        Assert.Equal([2L, 3, 5, 6], product.shape);
        Assert.True(product.equal(a.matmul(b)).all().item<bool>());
    }

    [Fact]
    public void The_engine_multiplies_matrices_only_through_products_that_throw()
    {
        // One Tensor.matmul on a path that can meet a too-large batch takes the whole workbench down with it.
        var engine = Path.Combine(TestPaths.RepoRoot, "BiDoRA.Engine");
        var offenders = Directory.EnumerateFiles(engine, "*.cs", SearchOption.AllDirectories)
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal))
            .SelectMany(f => File.ReadLines(f).Select((line, i) => (File: Path.GetRelativePath(engine, f), Line: i + 1, Text: line)))
            .Where(l => !l.Text.TrimStart().StartsWith("//", StringComparison.Ordinal) && !l.Text.TrimStart().StartsWith("///", StringComparison.Ordinal))
            .Where(l => l.Text.Contains(".matmul(", StringComparison.Ordinal) || l.Text.Contains(" matmul(", StringComparison.Ordinal))
            .Select(l => $"{l.File}:{l.Line}")
            .ToList();
        Assert.True(offenders.Count == 0, "Tensor.matmul in the engine (use TensorProducts): " + string.Join(", ", offenders));
    }
}
