namespace BiDoRA.Engine.Training;

/// <param name="Mode">How the hypergradient is formed.</param>
/// <param name="Xi">ξ: the virtual step size of the implicit term (1 as in the reference implementation).</param>
/// <param name="Radius">Finite-difference radius: ε = Radius / ||v||.</param>
public sealed record HypergradientSettings(HypergradientMode Mode = HypergradientMode.FiniteDifference, double Xi = 1.0, double Radius = 0.01);
