using System.Globalization;
using System.Text.Json.Nodes;
using BiDoRA.Engine.Data;

namespace BiDoRA.Engine.Interop;

/// <summary>What a head's outputs mean: the task and, for classification, the class names in output order.</summary>
internal sealed record TaskLabels(TaskKind Task, IReadOnlyList<string>? ClassNames)
{
    /// <summary>
    /// From transformers' config fields (<c>problem_type</c>, <c>id2label</c>) and the head's output count. Without a
    /// problem type, one output is regression (as transformers decides); class names default to LABEL_i.
    /// </summary>
    /// <exception cref="InvalidDataException">Multi-label, or id2label that does not fit the head; the message names <paramref name="source"/>.</exception>
    public static TaskLabels From(string? problemType, JsonObject? id2label, int outputs, string source)
    {
        if (problemType == TransformersLayout.MultiLabel)
            throw new InvalidDataException($"{source}: problem_type is '{TransformersLayout.MultiLabel}'; the workbench predicts one class per sequence or one value, not several labels at once.");
        if (problemType is not null and not TransformersLayout.SingleLabel and not TransformersLayout.Regression)
            throw new InvalidDataException($"{source}: problem_type '{problemType}' is unknown; expected '{TransformersLayout.SingleLabel}' or '{TransformersLayout.Regression}'.");
        var regression = problemType == TransformersLayout.Regression || (problemType is null && outputs == 1);
        if (regression)
        {
            if (outputs != 1)
                throw new InvalidDataException($"{source}: problem_type is 'regression' but the classifier's out_proj has {outputs} outputs; regression needs 1.");
            return new TaskLabels(TaskKind.Regression, null);
        }
        if (outputs < 2)
            throw new InvalidDataException($"{source}: a classifier needs at least 2 outputs, but out_proj has {outputs}.");
        var names = Enumerable.Range(0, outputs).Select(i => "LABEL_" + i.ToString(CultureInfo.InvariantCulture)).ToArray();
        if (id2label is { Count: > 0 })
        {
            if (id2label.Count != outputs)
                throw new InvalidDataException($"{source}: id2label names {id2label.Count} classes but the classifier's out_proj has {outputs} outputs.");
            foreach (var (key, value) in id2label)
            {
                if (!int.TryParse(key, NumberStyles.None, CultureInfo.InvariantCulture, out var id) || id >= outputs)
                    throw new InvalidDataException($"{source}: id2label key '{key}' is not a class id from 0 to {outputs - 1}.");
                names[id] = value?.GetValue<string>() ?? names[id];
            }
        }
        return new TaskLabels(outputs == 2 ? TaskKind.Binary : TaskKind.Multiclass, names);
    }

    /// <summary>transformers' problem_type for this task.</summary>
    public string ProblemType => Task == TaskKind.Regression ? TransformersLayout.Regression : TransformersLayout.SingleLabel;

    /// <summary>id2label as transformers writes it ("0": name); regression gets LABEL_0.</summary>
    public JsonObject Id2Label()
    {
        var o = new JsonObject();
        var names = ClassNames ?? ["LABEL_0"];
        for (var i = 0; i < names.Count; i++) o[i.ToString(CultureInfo.InvariantCulture)] = names[i];
        return o;
    }

    public JsonObject Label2Id()
    {
        var o = new JsonObject();
        var names = ClassNames ?? ["LABEL_0"];
        for (var i = 0; i < names.Count; i++) o[names[i]] = i;
        return o;
    }
}
