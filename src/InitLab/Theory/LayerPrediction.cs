namespace InitLab.Theory;

/// <summary>
/// Mean-field prediction for one layer of a depth-L network at initialization.
/// </summary>
/// <param name="Layer">1-based layer index l; layer 1 is the first Linear layer, fed the input x.</param>
/// <param name="Q">q(l), the expected mean square of layer l's pre-activations h(l) = W(l)·φ(h(l−1)) + b(l).</param>
/// <param name="GradientFactor">
/// χ(q(l)) = σw²·E[φ'(√q(l) z)²]: the expected ratio |∂L/∂h(l)|² / |∂L/∂h(l+1)|² (layer widths cancel).
/// </param>
/// <param name="GradientNormRatio">
/// The expected |∂L/∂h(l)|² / |∂L/∂h(L)|², the product of <paramref name="GradientFactor"/> over
/// layers l … L−1; 1 at the last layer.
/// </param>
public sealed record LayerPrediction(int Layer, double Q, double GradientFactor, double GradientNormRatio);

/// <summary>Mean-field prediction for two inputs in one layer.</summary>
/// <param name="Layer">1-based layer index l.</param>
/// <param name="Q1">q₁(l), the first input's pre-activation mean square.</param>
/// <param name="Q2">q₂(l), the second input's.</param>
/// <param name="C">c(l), the correlation of the two inputs' pre-activation vectors.</param>
public sealed record PairPrediction(int Layer, double Q1, double Q2, double C);
