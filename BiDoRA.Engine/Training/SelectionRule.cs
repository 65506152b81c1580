using System.Text.Json.Serialization;

namespace BiDoRA.Engine.Training;

/// <summary>Which checkpoint a run ends with.</summary>
public enum SelectionRule
{
    /// <summary>The last step: a fixed budget for every method, no data spent on choosing.</summary>
    [JsonStringEnumMemberName("last")]
    Last,
    /// <summary>The best evaluation on a held-out selection split (<see cref="RunPlan.SelectionFraction"/>).</summary>
    [JsonStringEnumMemberName("best")]
    Best,
}
