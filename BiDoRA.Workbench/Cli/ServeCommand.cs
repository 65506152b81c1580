using System.CommandLine;

namespace BiDoRA.Workbench.Cli;

/// <summary><c>serve</c>: runs the web app.</summary>
internal static class ServeCommand
{
    public static Command Create()
    {
        var urls = new Option<string>("--urls") { Description = "Addresses to listen on, separated by ';'. Anything but loopback requires Workbench__AccessToken.", DefaultValueFactory = _ => WorkbenchHost.DefaultUrls };
        var dataDir = new Option<string?>("--data-dir") { Description = "Folder for the database, datasets, runs and models (default ./data)." };
        var command = new Command("serve", "Run the workbench web app (the default verb).") { urls, dataDir };
        command.SetAction(async (parse, ct) =>
        {
            WebApplication app;
            try
            {
                app = WorkbenchHost.Build(new WorkbenchHostSettings { Urls = parse.GetValue(urls), DataDirectory = parse.GetValue(dataDir) });
            }
            catch (WorkbenchStartupException e)
            {
                await Console.Error.WriteLineAsync("bidora: " + e.Message);
                return 2;
            }
            await using (app)
            {
                await app.RunAsync(ct);
            }
            return 0;
        });
        return command;
    }
}
