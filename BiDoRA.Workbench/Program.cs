using BiDoRA.Workbench.Cli;

return await CommandLineApp.RunAsync(args);
