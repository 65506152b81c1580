using BiDoRA.Engine.Adapters;
using BiDoRA.Engine.Training;

namespace BiDoRA.Benchmarks;

/// <summary>A training method as the benchmark times it: BiDoRA once per hypergradient mode.</summary>
public sealed record BenchmarkMethod(AdapterMethod Method, HypergradientMode? Hypergradient = null)
{
    public static BenchmarkMethod Full { get; } = new(AdapterMethod.Full);
    public static BenchmarkMethod Lora { get; } = new(AdapterMethod.Lora);
    public static BenchmarkMethod Dora { get; } = new(AdapterMethod.Dora);
    public static BenchmarkMethod BiDoraFirstOrder { get; } = new(AdapterMethod.BiDora, HypergradientMode.FirstOrder);
    public static BenchmarkMethod BiDoraFiniteDifference { get; } = new(AdapterMethod.BiDora, HypergradientMode.FiniteDifference);
    public static BenchmarkMethod BiDoraUnrolled { get; } = new(AdapterMethod.BiDora, HypergradientMode.Unrolled);

    public static IReadOnlyList<BenchmarkMethod> All { get; } = [Full, Lora, Dora, BiDoraFirstOrder, BiDoraFiniteDifference, BiDoraUnrolled];

    /// <summary>full, lora, dora, bidora-first-order, bidora-finite-difference, bidora-unrolled.</summary>
    public string Name => Hypergradient switch
    {
        null => Method.ToString().ToLowerInvariant(),
        HypergradientMode.FirstOrder => "bidora-first-order",
        HypergradientMode.FiniteDifference => "bidora-finite-difference",
        _ => "bidora-unrolled",
    };

    public bool IsBiLevel => Method == AdapterMethod.BiDora;

    /// <exception cref="ArgumentException">Not one of the names of <see cref="All"/>.</exception>
    public static BenchmarkMethod Parse(string name) =>
        All.FirstOrDefault(m => string.Equals(m.Name, name.Trim(), StringComparison.OrdinalIgnoreCase))
        ?? throw new ArgumentException($"Unknown method '{name}'; expected one of {string.Join(", ", All.Select(m => m.Name))}.", nameof(name));

    public override string ToString() => Name;
}
