namespace BiDoRA.Engine.Training;

public enum RunOutcome
{
    Completed,
    Cancelled,
    Failed,
}
