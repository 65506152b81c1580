namespace BiDoRA.Engine.Checkpoints;

/// <summary>Where models are downloaded from: any Hugging Face-compatible hub.</summary>
public sealed record HubOptions
{
    public string BaseUrl { get; init; } = "https://huggingface.co";

    /// <summary>Attempts per file when a connection drops; each resumes where the last stopped.</summary>
    public int MaxAttempts { get; init; } = 5;

    public TimeSpan RetryDelay { get; init; } = TimeSpan.FromSeconds(1);
}
