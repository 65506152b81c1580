using Hangfire;
using Hangfire.Dashboard;

namespace BiDoRA.Workbench.Services.Cluster;

/// <summary>Hangfire's dashboard at /hangfire on cluster web nodes: queues, workers, jobs and their retries.</summary>
internal static class ClusterDashboard
{
    public const string Path = "/hangfire";

    public static void MapClusterDashboard(this WebApplication app) =>
        // An endpoint like any other, so the app's access token (or login cookie) guards it through the fallback
        // policy; Hangfire's own filter would only let local requests in.
        app.MapHangfireDashboard(Path, new DashboardOptions { Authorization = [new GuardedByTheApp()], DashboardTitle = "BiDoRA Workbench jobs" });

    private sealed class GuardedByTheApp : IDashboardAuthorizationFilter
    {
        public bool Authorize(DashboardContext context) => true;
    }
}
