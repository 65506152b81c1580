namespace BiDoRA.Workbench.Services.Storage.PostgreSql;

/// <summary>
/// The cluster database's schema, one numbered step at a time. A step, once released, never changes: a change is a
/// new step. Records travel as JSON text (exactly what the API shows, as in LiteDB); the columns beside it are what
/// queries filter and sort on.
/// </summary>
internal static class PostgresMigrations
{
    public static IReadOnlyList<(int Version, string Name, string Sql)> All { get; } =
    [
        (1, "stores", """
            create table datasets (id text primary key, created_at timestamptz not null, json text not null);
            create table runs (id text primary key, status text not null, ticket bigint not null, created_at timestamptz not null, json text not null);
            create index runs_status_ticket on runs (status, ticket);
            create sequence run_tickets;
            create table run_events (run_id text not null, seq bigint not null, json text not null, primary key (run_id, seq));
            create table sweeps (id text primary key, created_at timestamptz not null, json text not null);
            create table meta (key text primary key, json text not null);
            """),
        (2, "run leases", """
            create table run_leases (run_id text primary key, holder text not null, attempt uuid not null, expires_at timestamptz not null);
            """),
        // 10 … 19: cluster jobs other than training.
        (10, "inference jobs", """
            create table inference_jobs (id text primary key, kind text not null, target text not null, queue text not null, status text not null,
              progress double precision not null default 0, worker text, problem text, field text, error text,
              cancel_requested boolean not null default false, created_at timestamptz not null, started_at timestamptz, ended_at timestamptz);
            """),
    ];
}
