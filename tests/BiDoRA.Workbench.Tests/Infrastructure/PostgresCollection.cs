namespace BiDoRA.Workbench.Tests.Infrastructure;

/// <summary>
/// Tests on the shared PostgreSQL server (<see cref="PostgresServer.Shared"/>): one collection, so tests that stop and
/// start the server do not cut off others.
/// </summary>
[CollectionDefinition(nameof(PostgresCollection), DisableParallelization = true)]
public sealed class PostgresCollection;
