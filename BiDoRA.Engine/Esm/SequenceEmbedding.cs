namespace BiDoRA.Engine.Esm;

/// <summary>What the model says about one sequence.</summary>
/// <param name="Index">0-based position of the sequence in the input.</param>
/// <param name="Sequence">The sequence as given.</param>
/// <param name="Tokens">The tokens, <c>&lt;cls&gt;</c> and <c>&lt;eos&gt;</c> included (after any truncation).</param>
/// <param name="MeanEmbedding">Mean of the final hidden states over the residues (no special tokens, no padding), [H].</param>
/// <param name="Logits">Masked-LM logits at every token position, [tokens][V].</param>
public sealed record SequenceEmbedding(int Index, string Sequence, IReadOnlyList<string> Tokens, double[] MeanEmbedding, double[][] Logits);
