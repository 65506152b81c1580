using System.CommandLine;

namespace BiDoRA.Workbench.Cli;

/// <summary><c>worker</c>: a cluster worker on this machine's GPU (or CPU); one per device.</summary>
internal static class WorkerCommand
{
    public static Command Create()
    {
        var queues = new Option<string>("--queues") { Description = "Hangfire queues to take runs from, in order.", DefaultValueFactory = _ => "gpu,cpu" };
        var device = new Option<string>("--device") { Description = "Device every run here trains on: cuda:0, cuda:1, ..., cpu, or auto (the run's own setting).", DefaultValueFactory = _ => "auto" };
        var name = new Option<string>("--name") { Description = "Shown on the run page and in the dashboard (default: host name and device).", };
        var dataDir = new Option<string?>("--data-dir") { Description = "The shared folder (Workbench:SharedDirectory), mounted at the same path on every node." };
        var command = new Command("worker", "Train queued runs of a cluster (needs Workbench__Cluster__PostgreSql and Workbench__Cluster__Redis).") { queues, device, name, dataDir };
        command.SetAction(async (parse, ct) =>
        {
            var deviceName = parse.GetValue(device)!.Trim().ToLowerInvariant();
            if (deviceName is not ("auto" or "cpu" or "cuda") && !deviceName.StartsWith("cuda:", StringComparison.Ordinal))
            {
                await parse.InvocationConfiguration.Error.WriteLineAsync($"bidora: --device '{deviceName}' is not cpu, cuda, cuda:N or auto.");
                return 2;
            }
            var queueList = parse.GetValue(queues)!.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(q => q.ToLowerInvariant()).ToList();
            if (queueList.Count == 0)
            {
                await parse.InvocationConfiguration.Error.WriteLineAsync("bidora: --queues names no queue.");
                return 2;
            }
            IHost host;
            try
            {
                host = WorkerHost.Build(new WorkerHostSettings
                {
                    Name = parse.GetValue(name) is { Length: > 0 } n ? n : $"{Environment.MachineName}/{deviceName}",
                    Device = deviceName,
                    Queues = queueList,
                    DataDirectory = parse.GetValue(dataDir),
                });
            }
            catch (WorkbenchStartupException e)
            {
                await parse.InvocationConfiguration.Error.WriteLineAsync("bidora: " + e.Message);
                return 2;
            }
            using (host)
            {
                await host.RunAsync(ct);
            }
            return 0;
        });
        return command;
    }
}
