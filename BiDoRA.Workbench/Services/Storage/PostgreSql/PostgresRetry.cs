using Npgsql;

namespace BiDoRA.Workbench.Services.Storage.PostgreSql;

/// <summary>
/// A database server that restarts (maintenance, fail-over) is away for seconds: store calls wait for it instead of
/// failing the training or dropping its events. Only errors Npgsql calls transient are retried, and every store
/// statement is safe to run again (event inserts ignore rows already there; updates re-read under the row lock).
/// </summary>
internal static class PostgresRetry
{
    public static TimeSpan Window { get; set; } = TimeSpan.FromSeconds(90);

    public static T Run<T>(Func<T> action)
    {
        var until = DateTime.UtcNow + Window;
        var delay = TimeSpan.FromMilliseconds(200);
        while (true)
        {
            try
            {
                return action();
            }
            catch (NpgsqlException e) when (e.IsTransient && DateTime.UtcNow < until)
            {
                Thread.Sleep(delay);
                delay = TimeSpan.FromMilliseconds(Math.Min(delay.TotalMilliseconds * 2, 2000));
            }
        }
    }
}
