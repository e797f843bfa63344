using InitLab.Tensors;

namespace InitLab.Nn;

/// <summary>
/// torch.nn.BatchNorm1d(features) on (batch, features) inputs, eps 1e-5, momentum 0.1, affine,
/// tracking running statistics. Training: each column is normalized with its batch mean and
/// biased variance, and running_mean/running_var move by momentum towards the batch mean and the
/// unbiased variance (n/(n-1) times the biased one), as PyTorch does; num_batches_tracked counts
/// the batches. Evaluation: the running statistics normalize. Statistics are summed in double,
/// as PyTorch's CPU kernel does (its accumulation type for float is double).
/// </summary>
public sealed class BatchNorm1d : Layer
{
    private readonly double[] _mean, _invStd, _sumDy, _sumDyXhat;
    private Tensor? _xhat, _output, _gradInput;
    private bool _trainedForward;

    /// <summary>A layer over <paramref name="features"/> columns: γ = 1, β = 0, running mean 0 and variance 1.</summary>
    public BatchNorm1d(int features, double eps = 1e-5, double momentum = 0.1)
    {
        if (features <= 0) throw new ArgumentOutOfRangeException(nameof(features), $"BatchNorm1d needs a positive feature count, got {features}.");
        Features = features;
        Eps = eps;
        Momentum = momentum;
        Weight = new Parameter("weight", new Tensor(features));
        Bias = new Parameter("bias", new Tensor(features));
        Weight.Value.Span.Fill(1f);
        RunningMean = new Parameter("running_mean", new Tensor(features));
        RunningVar = new Parameter("running_var", new Tensor(features));
        RunningVar.Value.Span.Fill(1f);
        Parameters = [Weight, Bias];
        Buffers = [RunningMean, RunningVar];
        (_mean, _invStd, _sumDy, _sumDyXhat) = (new double[features], new double[features], new double[features], new double[features]);
    }

    /// <summary>Columns normalized (num_features).</summary>
    public int Features { get; }

    /// <summary>Added to the variance before the square root (1e-5).</summary>
    public double Eps { get; }

    /// <summary>Weight of the new batch statistic in the running averages (0.1).</summary>
    public double Momentum { get; }

    /// <summary>γ, (features), "weight" in the state dict; starts at 1.</summary>
    public Parameter Weight { get; }

    /// <summary>β, (features), "bias"; starts at 0.</summary>
    public Parameter Bias { get; }

    /// <summary>The running mean, (features), "running_mean" (a buffer, not trained).</summary>
    public Parameter RunningMean { get; }

    /// <summary>The running unbiased variance, (features), "running_var" (a buffer, not trained).</summary>
    public Parameter RunningVar { get; }

    /// <summary>Training batches seen ("num_batches_tracked", an int64 in PyTorch).</summary>
    public long NumBatchesTracked { get; set; }

    /// <summary>[γ, β].</summary>
    public override IReadOnlyList<Parameter> Parameters { get; }

    /// <summary>[running_mean, running_var]; num_batches_tracked is <see cref="NumBatchesTracked"/>.</summary>
    public override IReadOnlyList<Parameter> Buffers { get; }

    /// <inheritdoc/>
    public override int OutputFeatures(int inputFeatures) => Features;

    /// <summary>x and y are (batch, features); in training the batch needs at least two rows, as in PyTorch.</summary>
    public override Tensor Forward(Tensor x)
    {
        if (x.Cols != Features) throw new ArgumentException($"BatchNorm1d expects {Features} features, got {x.Cols}.");
        int n = x.Rows, f = Features;
        _trainedForward = Training;
        if (Training)
        {
            if (n < 2) throw new ArgumentException($"BatchNorm1d in training needs more than one value per channel, got a batch of {n}.");
            BatchStatistics(x);
            NumBatchesTracked++;
        }
        else
        {
            var rm = RunningMean.Value.Data; var rv = RunningVar.Value.Data;
            for (int j = 0; j < f; j++) (_mean[j], _invStd[j]) = (rm[j], 1.0 / Math.Sqrt(rv[j] + Eps));
        }
        var xhat = Ensure(ref _xhat, n, f);
        var y = Ensure(ref _output, n, f);
        var g = Weight.Value.Data; var b = Bias.Value.Data;
        for (int i = 0; i < n; i++)
        {
            var xr = x.Row(i); var hr = xhat.Row(i); var yr = y.Row(i);
            for (int j = 0; j < f; j++)
            {
                float h = (float)((xr[j] - _mean[j]) * _invStd[j]);
                hr[j] = h;
                yr[j] = h * g[j] + b[j];
            }
        }
        return y;
    }

    /// <summary>Batch mean and biased variance per column into _mean/_invStd; updates the running statistics.</summary>
    private void BatchStatistics(Tensor x)
    {
        int n = x.Rows, f = Features;
        Array.Clear(_mean);
        Array.Clear(_sumDy);
        for (int i = 0; i < n; i++)
        {
            var r = x.Row(i);
            for (int j = 0; j < f; j++) _mean[j] += r[j];
        }
        for (int j = 0; j < f; j++) _mean[j] /= n;
        // Two passes (mean, then squared deviations) so the variance keeps its precision.
        for (int i = 0; i < n; i++)
        {
            var r = x.Row(i);
            for (int j = 0; j < f; j++) { double d = r[j] - _mean[j]; _sumDy[j] += d * d; }
        }
        var rm = RunningMean.Value.Data; var rv = RunningVar.Value.Data;
        for (int j = 0; j < f; j++)
        {
            double varBiased = _sumDy[j] / n;
            _invStd[j] = 1.0 / Math.Sqrt(varBiased + Eps);
            rm[j] = (float)((1 - Momentum) * rm[j] + Momentum * _mean[j]);
            rv[j] = (float)((1 - Momentum) * rv[j] + Momentum * (_sumDy[j] / (n - 1)));
        }
    }

    /// <summary>
    /// dy is (batch, features). Writes dγ = Σ dy·x̂ and dβ = Σ dy; returns dx. In training the batch
    /// statistics depend on x: dx = γ·invstd/n · (n·dy − Σdy − x̂·Σ dy·x̂); in evaluation dx = dy·γ·invstd.
    /// </summary>
    public override Tensor? Backward(Tensor gradOutput, bool needInputGrad = true)
    {
        var xhat = _xhat ?? throw new InvalidOperationException("Backward called before Forward.");
        int n = xhat.Rows, f = Features;
        Array.Clear(_sumDy);
        Array.Clear(_sumDyXhat);
        for (int i = 0; i < n; i++)
        {
            var dy = gradOutput.Row(i); var h = xhat.Row(i);
            for (int j = 0; j < f; j++) { _sumDy[j] += dy[j]; _sumDyXhat[j] += dy[j] * (double)h[j]; }
        }
        var dg = Weight.Grad.Data; var db = Bias.Grad.Data; var g = Weight.Value.Data;
        for (int j = 0; j < f; j++) (dg[j], db[j]) = ((float)_sumDyXhat[j], (float)_sumDy[j]);
        if (!needInputGrad) return null;
        var dx = Ensure(ref _gradInput, n, f);
        for (int i = 0; i < n; i++)
        {
            var dy = gradOutput.Row(i); var h = xhat.Row(i); var dr = dx.Row(i);
            for (int j = 0; j < f; j++)
            {
                double k = g[j] * _invStd[j];
                dr[j] = _trainedForward
                    ? (float)(k / n * (n * (double)dy[j] - _sumDy[j] - h[j] * _sumDyXhat[j]))
                    : (float)(k * dy[j]);
            }
        }
        return dx;
    }

    /// <summary>PyTorch's module text, e.g. <c>BatchNorm1d(64, eps=1e-05, momentum=0.1, affine=True, track_running_stats=True)</c>.</summary>
    public override string ToString() =>
        $"BatchNorm1d({Features}, eps={TorchFloat(Eps)}, momentum={TorchFloat(Momentum)}, affine=True, track_running_stats=True)";

    /// <summary>Python's repr of a float for the module texts: 1e-05, 0.1.</summary>
    internal static string TorchFloat(double v)
    {
        string s = v.ToString("R", System.Globalization.CultureInfo.InvariantCulture);
        return s.Replace("E-0", "e-0").Replace("E-", "e-");
    }
}
