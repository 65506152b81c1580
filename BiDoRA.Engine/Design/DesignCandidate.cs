namespace BiDoRA.Engine.Design;

/// <summary>A designed sequence: its substitutions (distance = how many), its predicted score and the gain over the wild type.</summary>
public sealed record DesignCandidate(string Mutations, string Sequence, int Distance, double Score, double Effect, double? Sd, int Round);

/// <summary>A design round's candidates, best first, and what was searched.</summary>
public sealed record DesignResult(string WildType, string Target, double WildTypeScore, string Strategy, IReadOnlyList<DesignCandidate> Candidates, int Evaluated);
