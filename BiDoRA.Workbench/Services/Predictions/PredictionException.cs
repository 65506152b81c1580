using BiDoRA.Engine.Data;
namespace BiDoRA.Workbench.Services.Predictions;

/// <summary>Why a prediction could not be made.</summary>
public enum PredictionProblem
{
    /// <summary>No run has the id.</summary>
    RunNotFound,
    /// <summary>The run has not completed, or its trained weights are missing.</summary>
    RunNotReady,
    /// <summary>The sequences (or the file) are unusable; <see cref="PredictionException.Issues"/> lists each.</summary>
    InvalidInput,
    /// <summary>More sequences than Workbench:MaxPredictSequences.</summary>
    TooManySequences,
}

/// <summary>A prediction was refused; the message says why and what to do.</summary>
public sealed class PredictionException(PredictionProblem problem, string field, string message, IReadOnlyList<SequenceIssue>? issues = null, int issuesNotShown = 0)
    : Exception(message)
{
    public PredictionProblem Problem { get; } = problem;

    /// <summary>The request field at fault: id, sequences, text or file.</summary>
    public string Field { get; } = field;

    public IReadOnlyList<SequenceIssue> Issues { get; } = issues ?? [];

    public int IssuesNotShown { get; } = issuesNotShown;
}
