namespace BiDoRA.Workbench.Tests.Infrastructure;

/// <summary>
/// Tests that train with the engine's real trainer (in process or in a child workbench). libtorch takes every core
/// for each of them, so they run one at a time, after the parallel tests, instead of starving each other and the
/// timing-sensitive hub tests.
/// </summary>
[CollectionDefinition(nameof(RealTrainingCollection), DisableParallelization = true)]
public sealed class RealTrainingCollection;
