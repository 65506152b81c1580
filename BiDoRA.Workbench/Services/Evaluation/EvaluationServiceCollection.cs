using BiDoRA.Workbench.Services.Sweeps;

namespace BiDoRA.Workbench.Services.Evaluation;

/// <summary>Registers sweeps, comparisons, analysis and reports (kept here so the shared registration stays one line).</summary>
internal static class EvaluationServiceCollection
{
    public static IServiceCollection AddEvaluationServices(this IServiceCollection services)
    {
        services.AddSingleton<SweepService>();
        services.AddSingleton<EvaluationService>();
        services.AddSingleton<ReportService>();
        return services;
    }
}
