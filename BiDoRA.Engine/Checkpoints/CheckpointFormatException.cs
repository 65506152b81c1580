namespace BiDoRA.Engine.Checkpoints;

/// <summary>A checkpoint file or model folder is malformed; the message names the file and what is wrong.</summary>
public sealed class CheckpointFormatException : IOException
{
    public CheckpointFormatException(string path, string problem, Exception? inner = null)
        : base($"{path}: {problem}", inner)
    {
        FilePath = path;
        Problem = problem;
    }

    public string FilePath { get; }

    public string Problem { get; }
}
