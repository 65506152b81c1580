using System.Text;
using BiDoRA.Engine.Design;
using BiDoRA.Workbench.Services.Design;
using BiDoRA.Workbench.Services.Predictions;
using Microsoft.AspNetCore.Http.HttpResults;

namespace BiDoRA.Workbench.Api;

/// <summary>Mutational scans, design rounds, attributions, embedding maps (with a run) and zero-shot variant scores (with a base model).</summary>
internal static class DesignApi
{
    public static RouteGroupBuilder MapDesignApi(this RouteGroupBuilder api)
    {
        var runs = api.MapGroup("/runs").WithTags("Design");
        runs.MapPost("/{id}/scan", Scan)
            .WithName("Scan")
            .WithSummary("Saturation mutagenesis: every allowed single substitution predicted with a completed run (effect = score − wild type); ?format=csv for CSV");
        runs.MapPost("/{id}/design", Design)
            .WithName("Design")
            .WithSummary("Design rounds: greedy (beamWidth 1) or beam search over combinations of the scan's best singles, up to maxMutations; ?format=csv for CSV");
        runs.MapPost("/{id}/attributions", Attributions)
            .WithName("Attributions")
            .WithSummary("Integrated gradients on the input embeddings (baseline: the <mask> row at every residue; default 32 steps), with the completeness error");
        runs.MapGet("/{id}/embedding-map", Map)
            .WithName("EmbeddingMap")
            .WithSummary("PCA maps of a dataset's mean embeddings, base model and fine-tuned run side by side (first 1,000 sequences); ?format=csv for CSV");
        api.MapPost("/variants/score", ScoreVariants)
            .WithTags("Design")
            .WithName("ScoreVariants")
            .WithSummary("Zero-shot variant effects from a base model: masked or wild-type marginal, log p(mt) − log p(wt); Spearman ρ against DMS_score when given; ?format=csv for CSV");
        return api;
    }

    /// <param name="Sequence">The wild type.</param>
    /// <param name="FixedPositions">1-based positions kept fixed, e.g. "1,5-7".</param>
    /// <param name="AllowedResidues">Residues allowed per position, e.g. "3:AG;10:KR".</param>
    /// <param name="ClassName">Classification: the class whose probability is scored (default: the last).</param>
    /// <param name="MaxMutations">Design: most substitutions per candidate (k, default 3).</param>
    /// <param name="BeamWidth">Design: candidates kept per round (1 = greedy).</param>
    /// <param name="PoolSize">Design: best singles combined (default 20, at most 3 per position).</param>
    /// <param name="Lowest">Design towards a lower score.</param>
    public sealed record DesignRequest(string? Sequence, string? FixedPositions = null, string? AllowedResidues = null, string? ClassName = null,
        int MaxMutations = 3, int BeamWidth = 1, int PoolSize = 20, bool Lowest = false);

    /// <param name="Sequence">The sequence to explain.</param>
    /// <param name="Steps">Integration points (default 32).</param>
    /// <param name="ClassName">Classification: the class explained (default: the predicted one).</param>
    /// <param name="Baseline">mask (default) or pad.</param>
    public sealed record AttributionRequest(string? Sequence, int Steps = ResidueAttributor.DefaultSteps, string? ClassName = null, AttributionBaseline Baseline = AttributionBaseline.Mask);

    /// <param name="Model">A model name from the library (e.g. tiny, esm2_t6_8M_UR50D).</param>
    /// <param name="Sequence">The wild type.</param>
    /// <param name="Variants">Variants (A23G, A23G:K45R; 1-based) one per line or comma-separated, or a ProteinGym CSV's text (mutant, optional DMS_score).</param>
    /// <param name="Method">maskedMarginal (default) or wildTypeMarginal.</param>
    public sealed record VariantScoreRequest(string? Model, string? Sequence, string? Variants, ZeroShotMethod Method = ZeroShotMethod.MaskedMarginal);

    public static async Task<Results<Ok<ScanResult>, FileContentHttpResult, ProblemHttpResult>> Scan(string id, ScanRequest request, DesignService design, string? format, CancellationToken cancellationToken)
    {
        try
        {
            var scan = await design.ScanAsync(id, request, null, cancellationToken);
            if (!IsCsv(format)) return TypedResults.Ok(scan);
            var csv = new StringWriter();
            DesignCsv.WriteScan(csv, [("sequence", scan)]);
            return Csv(csv, $"scan-{id}.csv");
        }
        catch (PredictionException e)
        {
            return Problem(e);
        }
    }

    public static async Task<Results<Ok<DesignResult>, FileContentHttpResult, ProblemHttpResult>> Design(string id, DesignRequest request, DesignService design, string? format, CancellationToken cancellationToken)
    {
        try
        {
            var result = await design.DesignAsync(id, new ScanRequest(request.Sequence, request.FixedPositions, request.AllowedResidues, request.ClassName),
                new DesignOptions { MaxMutations = request.MaxMutations, BeamWidth = request.BeamWidth, PoolSize = request.PoolSize, Lowest = request.Lowest }, null, cancellationToken);
            if (!IsCsv(format)) return TypedResults.Ok(result);
            var csv = new StringWriter();
            DesignCsv.WriteDesign(csv, [("sequence", result)]);
            return Csv(csv, $"design-{id}.csv");
        }
        catch (PredictionException e)
        {
            return Problem(e);
        }
    }

    public static async Task<Results<Ok<AttributionResult>, ProblemHttpResult>> Attributions(string id, AttributionRequest request, DesignService design, CancellationToken cancellationToken)
    {
        try
        {
            return TypedResults.Ok(await design.AttributeAsync(id, request.Sequence, request.Steps, request.ClassName, request.Baseline, cancellationToken));
        }
        catch (PredictionException e)
        {
            return Problem(e);
        }
    }

    public static async Task<Results<Ok<EmbeddingMap>, FileContentHttpResult, ProblemHttpResult>> Map(string id, string? datasetId, DesignService design, string? format, CancellationToken cancellationToken)
    {
        try
        {
            var map = await design.EmbeddingMapAsync(id, datasetId, null, cancellationToken);
            if (!IsCsv(format)) return TypedResults.Ok(map);
            var csv = new StringWriter();
            EmbeddingMapCsv.Write(csv, map);
            return Csv(csv, $"embedding-map-{id}.csv");
        }
        catch (PredictionException e)
        {
            return Problem(e);
        }
    }

    public static async Task<Results<Ok<VariantScoring>, FileContentHttpResult, ProblemHttpResult>> ScoreVariants(VariantScoreRequest request, DesignService design, string? format, CancellationToken cancellationToken)
    {
        try
        {
            var scoring = await design.ScoreVariantsAsync(request.Model, request.Sequence, request.Variants, request.Method, null, cancellationToken);
            if (!IsCsv(format)) return TypedResults.Ok(scoring);
            var csv = new StringWriter();
            DesignCsv.WriteVariantScores(csv, scoring);
            return Csv(csv, "variant-scores.csv");
        }
        catch (PredictionException e)
        {
            return Problem(e);
        }
    }

    private static bool IsCsv(string? format) => string.Equals(format, "csv", StringComparison.OrdinalIgnoreCase);

    private static FileContentHttpResult Csv(StringWriter csv, string name) => TypedResults.File(new UTF8Encoding(false).GetBytes(csv.ToString()), "text/csv", name);

    /// <summary>404 unknown run, 409 run not ready, 400 for unusable input (the field named).</summary>
    private static ProblemHttpResult Problem(PredictionException e) => e.Problem switch
    {
        PredictionProblem.RunNotFound => ApiProblems.NotFound(e.Field, e.Message),
        PredictionProblem.RunNotReady => ApiProblems.Conflict(e.Field, e.Message),
        _ => ApiProblems.Validation(new Dictionary<string, string[]> { [e.Field] = [e.Message] }),
    };
}
