using System.Globalization;

namespace BiDoRA.Engine.Data;

/// <summary>Binary, multiclass or regression from the labels, unless the user says; class names keep the label mapping.</summary>
internal static class TaskInference
{
    /// <summary>Integer labels with at most this many distinct values are classes, not a regression target.</summary>
    public const int MaxIntegerClasses = 10;

    public static (TaskKind Task, IReadOnlyList<string>? ClassNames, string? Error) Infer(IReadOnlyList<string> labels, TaskKind? requested)
    {
        var distinct = labels.Distinct(StringComparer.Ordinal).ToList();
        var numeric = labels.Count > 0 && labels.All(l => double.TryParse(l, NumberStyles.Float, CultureInfo.InvariantCulture, out _));
        var integral = numeric && labels.All(l => long.TryParse(l, NumberStyles.Integer, CultureInfo.InvariantCulture, out _));
        var task = requested ?? (labels.Count == 0 ? TaskKind.Binary
            : numeric && !integral ? TaskKind.Regression
            : integral && distinct.Count > MaxIntegerClasses ? TaskKind.Regression
            : distinct.Count <= 2 ? TaskKind.Binary
            : TaskKind.Multiclass);
        if (task == TaskKind.Regression) return (task, null, null);

        var names = integral
            ? distinct.OrderBy(l => long.Parse(l, CultureInfo.InvariantCulture)).ToList()
            : distinct.Order(StringComparer.Ordinal).ToList();
        if (task == TaskKind.Binary && names.Count > 2)
            return (task, names, $"A binary task needs two classes; the labels hold {names.Count}: {string.Join(", ", names.Take(10))}.");
        if (task == TaskKind.Binary && names.Count == 1 && labels.Count > 0)
            names = integral && names[0] is "0" or "1" ? ["0", "1"] : names;
        if (task == TaskKind.Multiclass && names.Count < 2)
            return (task, names, "A classification task needs at least two classes.");
        return (task, names, null);
    }

    public static int ClassIndex(IReadOnlyList<string> names, string label)
    {
        for (var i = 0; i < names.Count; i++)
        {
            if (string.Equals(names[i], label, StringComparison.Ordinal)) return i;
        }
        return -1;
    }
}
