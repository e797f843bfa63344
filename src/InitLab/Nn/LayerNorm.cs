using InitLab.Tensors;

namespace InitLab.Nn;

/// <summary>
/// torch.nn.LayerNorm(features) on (batch, features): each row normalized by its own mean and
/// biased variance (eps 1e-5), then y = x̂·γ + β elementwise. No running statistics, so training
/// and evaluation compute the same thing. Row sums are taken in double.
/// </summary>
public sealed class LayerNorm : Layer
{
    private double[] _invStd = [];
    private Tensor? _xhat, _output, _gradInput;

    /// <summary>A layer over rows of <paramref name="features"/> values: γ = 1, β = 0.</summary>
    public LayerNorm(int features, double eps = 1e-5)
    {
        if (features <= 0) throw new ArgumentOutOfRangeException(nameof(features), $"LayerNorm needs a positive feature count, got {features}.");
        Features = features;
        Eps = eps;
        Weight = new Parameter("weight", new Tensor(features));
        Weight.Value.Span.Fill(1f);
        Bias = new Parameter("bias", new Tensor(features));
        Parameters = [Weight, Bias];
    }

    /// <summary>The normalized shape (one dimension).</summary>
    public int Features { get; }

    /// <summary>Added to the variance before the square root (1e-5).</summary>
    public double Eps { get; }

    /// <summary>γ, (features), "weight"; starts at 1.</summary>
    public Parameter Weight { get; }

    /// <summary>β, (features), "bias"; starts at 0.</summary>
    public Parameter Bias { get; }

    /// <summary>[γ, β].</summary>
    public override IReadOnlyList<Parameter> Parameters { get; }

    /// <inheritdoc/>
    public override int OutputFeatures(int inputFeatures) => Features;

    /// <summary>x and y are (batch, features).</summary>
    public override Tensor Forward(Tensor x)
    {
        if (x.Cols != Features) throw new ArgumentException($"LayerNorm expects {Features} features, got {x.Cols}.");
        int n = x.Rows, f = Features;
        if (_invStd.Length != n) _invStd = new double[n];
        var xhat = Ensure(ref _xhat, n, f);
        var y = Ensure(ref _output, n, f);
        var g = Weight.Value.Data; var b = Bias.Value.Data;
        for (int i = 0; i < n; i++)
        {
            var xr = x.Row(i); var hr = xhat.Row(i); var yr = y.Row(i);
            double mean = 0, ss = 0;
            for (int j = 0; j < f; j++) mean += xr[j];
            mean /= f;
            for (int j = 0; j < f; j++) { double d = xr[j] - mean; ss += d * d; }
            double inv = _invStd[i] = 1.0 / Math.Sqrt(ss / f + Eps);
            for (int j = 0; j < f; j++)
            {
                float h = (float)((xr[j] - mean) * inv);
                hr[j] = h;
                yr[j] = h * g[j] + b[j];
            }
        }
        return y;
    }

    /// <summary>
    /// dy is (batch, features). Writes dγ = Σ_rows dy·x̂, dβ = Σ_rows dy; per row, with g = dy·γ,
    /// dx = invstd/f · (f·g − Σg − x̂·Σ g·x̂).
    /// </summary>
    public override Tensor? Backward(Tensor gradOutput, bool needInputGrad = true)
    {
        var xhat = _xhat ?? throw new InvalidOperationException("Backward called before Forward.");
        int n = xhat.Rows, f = Features;
        var dg = Weight.Grad.Data; var db = Bias.Grad.Data; var g = Weight.Value.Data;
        Array.Clear(dg);
        Array.Clear(db);
        for (int i = 0; i < n; i++)
        {
            var dy = gradOutput.Row(i); var h = xhat.Row(i);
            for (int j = 0; j < f; j++) { dg[j] += dy[j] * h[j]; db[j] += dy[j]; }
        }
        if (!needInputGrad) return null;
        var dx = Ensure(ref _gradInput, n, f);
        for (int i = 0; i < n; i++)
        {
            var dy = gradOutput.Row(i); var h = xhat.Row(i); var dr = dx.Row(i);
            double sumG = 0, sumGh = 0;
            for (int j = 0; j < f; j++) { double gj = dy[j] * (double)g[j]; sumG += gj; sumGh += gj * h[j]; }
            double k = _invStd[i] / f;
            for (int j = 0; j < f; j++) dr[j] = (float)(k * (f * (dy[j] * (double)g[j]) - sumG - h[j] * sumGh));
        }
        return dx;
    }

    /// <summary>PyTorch's module text, e.g. <c>LayerNorm((64,), eps=1e-05, elementwise_affine=True)</c>.</summary>
    public override string ToString() => $"LayerNorm(({Features},), eps={BatchNorm1d.TorchFloat(Eps)}, elementwise_affine=True)";
}
