using System.CommandLine;

namespace BiDoRA.Workbench.Cli;

/// <summary><c>serve</c>: runs the web app (placeholder until the workbench lands).</summary>
internal static class ServeCommand
{
    public static Command Create()
    {
        var urls = new Option<string>("--urls") { Description = "Addresses to listen on.", DefaultValueFactory = _ => "http://127.0.0.1:5000" };
        var command = new Command("serve", "Run the workbench web app (the default verb).") { urls };
        command.SetAction(async (parse, ct) =>
        {
            var app = WebApplication.CreateBuilder().Build();
            app.Urls.Add(parse.GetValue(urls)!);
            app.MapGet("/api/health", () => Results.Ok(new { status = "ok" }));
            await app.RunAsync(ct);
            return 0;
        });
        return command;
    }
}
