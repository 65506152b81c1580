using System.Reflection;
using System.Text.RegularExpressions;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace BiDoRA.Engine.Adapters;

/// <summary>One wrapped layer and where it sits in the model.</summary>
public sealed record AdaptedModule(string Name, AdaptedLinear Layer);

/// <summary>
/// Wraps chosen Linear layers of any TorchSharp module tree in place, as PEFT's inject_adapter does with setattr.
/// The model must hold each adaptable Linear in a field of type Module&lt;Tensor, Tensor&gt; named as the
/// registered child, which the ESM layers do; the field and the registration are both swapped, so forward calls,
/// parameters() and state_dict() all see the adapter.
/// </summary>
public static class AdapterInjector
{
    /// <summary>
    /// Wraps the target layers and freezes what the method does not train: for LoRA, DoRA and BiDoRA every base
    /// weight of <paramref name="model"/>; for full fine-tuning nothing is wrapped or frozen.
    /// </summary>
    /// <exception cref="ArgumentException">A pattern matches no Linear layer.</exception>
    public static IReadOnlyList<AdaptedModule> Inject(nn.Module model, AdapterOptions options)
    {
        if (options.Method == AdapterMethod.Full)
        {
            foreach (var p in model.parameters()) p.requires_grad = true;
            return [];
        }
        foreach (var p in model.parameters()) p.requires_grad = false;

        var targets = model.named_modules()
            .Where(m => m.module is Linear && Matches(m.name, options.TargetModules))
            .Select(m => m.name)
            .ToList();
        foreach (var pattern in options.TargetModules)
        {
            if (!targets.Any(t => Matches(t, [pattern])))
                throw new ArgumentException($"Target module pattern '{pattern}' matches no Linear layer of the model.", nameof(options));
        }

        var modules = model.named_modules().ToDictionary(m => m.name, m => m.module);
        var adapted = new List<AdaptedModule>(targets.Count);
        foreach (var name in targets)
        {
            var split = name.LastIndexOf('.');
            var parent = split < 0 ? model : modules[name[..split]];
            var childName = name[(split + 1)..];
            var linear = (Linear)modules[name];
            AdaptedLinear layer = options.Method == AdapterMethod.Lora
                ? new LoraLinear(linear, options.Rank, options.Alpha, options.Dropout)
                : new DoraLinear(linear, options.Rank, options.Alpha, options.Dropout, options.DetachNorm);
            Replace(parent, childName, layer);
            adapted.Add(new AdaptedModule(name, layer));
        }
        return adapted;
    }

    /// <summary>Replaces each adapted layer by the plain Linear it computes (eval mode), for fast inference.</summary>
    public static void Merge(nn.Module model, IReadOnlyList<AdaptedModule> adapted)
    {
        var modules = model.named_modules().ToDictionary(m => m.name, m => m.module);
        foreach (var (name, layer) in adapted)
        {
            var split = name.LastIndexOf('.');
            var parent = split < 0 ? model : modules[name[..split]];
            Replace(parent, name[(split + 1)..], layer.Merge());
            // Out of the tree now, so disposing the model would no longer reach the adapter and its base layer.
            layer.Dispose();
        }
    }

    internal static bool Matches(string name, IEnumerable<string> patterns) => patterns.Any(p =>
        p.StartsWith("regex:", StringComparison.Ordinal)
            ? Regex.IsMatch(name, p["regex:".Length..], RegexOptions.CultureInvariant)
            : name == p || name.EndsWith("." + p, StringComparison.Ordinal));

    private static void Replace(nn.Module parent, string childName, nn.Module<Tensor, Tensor> replacement)
    {
        var field = FindField(parent.GetType(), childName)
            ?? throw new InvalidOperationException(
                $"{parent.GetType().Name} holds '{childName}' in no field of a type that can take an adapter; " +
                "adaptable layers must be fields of type Module<Tensor, Tensor>.");
        field.SetValue(parent, replacement);
        parent.register_module(childName, null!);   // TorchSharp removes a child registered as null
        parent.register_module(childName, replacement);
    }

    private static FieldInfo? FindField(Type? type, string name)
    {
        for (; type != null; type = type.BaseType)
        {
            var field = type.GetField(name, BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.DeclaredOnly);
            if (field != null && field.FieldType.IsAssignableFrom(typeof(DoraLinear)) && field.FieldType.IsAssignableFrom(typeof(LoraLinear)))
                return field;
        }
        return null;
    }
}
