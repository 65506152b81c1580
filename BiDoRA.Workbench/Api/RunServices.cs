using BiDoRA.Workbench.Services.Events;
using BiDoRA.Workbench.Services.Runs;
using BiDoRA.Workbench.Services.Storage;

namespace BiDoRA.Workbench.Api;

/// <summary>What the run endpoints need, bound with [AsParameters].</summary>
internal sealed record RunServices(IRunStore Runs, RunQueue Queue, RunFactory Factory, IRunEventStore Events, RunEventHub Hub, RunArtifacts Artifacts);
