using Npgsql;

namespace BiDoRA.Workbench.Services.Storage.PostgreSql;

/// <summary>Positional-parameter commands on the shared data source, so each store reads as its SQL.</summary>
internal static class PostgresCommands
{
    public static NpgsqlCommand Command(this NpgsqlDataSource source, string sql, params object?[] parameters)
    {
        var command = source.CreateCommand(sql);
        foreach (var p in parameters) command.Parameters.Add(new NpgsqlParameter { Value = p ?? DBNull.Value });
        return command;
    }

    public static NpgsqlCommand Command(this NpgsqlConnection connection, NpgsqlTransaction? transaction, string sql, params object?[] parameters)
    {
        var command = new NpgsqlCommand(sql, connection, transaction);
        foreach (var p in parameters) command.Parameters.Add(new NpgsqlParameter { Value = p ?? DBNull.Value });
        return command;
    }

    public static int Execute(this NpgsqlDataSource source, string sql, params object?[] parameters)
    {
        using var command = source.Command(sql, parameters);
        return command.ExecuteNonQuery();
    }

    public static List<T> Query<T>(this NpgsqlCommand command, Func<NpgsqlDataReader, T> read)
    {
        using (command)
        {
            using var reader = command.ExecuteReader();
            var rows = new List<T>();
            while (reader.Read()) rows.Add(read(reader));
            return rows;
        }
    }

    /// <summary>timestamptz wants UTC.</summary>
    public static DateTime Utc(DateTimeOffset time) => time.UtcDateTime;
}
