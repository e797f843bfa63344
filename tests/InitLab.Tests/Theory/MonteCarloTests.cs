using InitLab.Random;
using InitLab.Theory;
using Xunit.Abstractions;

namespace InitLab.Tests.Theory;

/// <summary>
/// Wide random networks against the mean-field predictions: <see cref="Replicas"/> independent
/// networks of width <see cref="Width"/> (seeded TorchGenerator), two fixed inputs through each,
/// and the replica mean of q(l) and c(l) compared with <see cref="MeanField.PredictPair"/> within
/// five standard errors of that mean (≈ 1 in 1.7 million for a Gaussian mean; the seed is fixed,
/// so the outcome is too). Finite-width bias is O(1/width), well inside those bars.
/// </summary>
public class MonteCarloTests(ITestOutputHelper output)
{
    private const int Width = 2000, Depth = 5, Replicas = 6;

    [Theory]
    [InlineData("tanh", 2.5, 0.05, 0.6)]    // chaotic: c(l) falls towards c* ≈ 0.45
    [InlineData("tanh", 1.2, 0.05, 0.3)]    // ordered: c(l) rises towards 1
    [InlineData("relu", 1.8, 0.1, 0.2)]     // ordered: q → q* = 1, c(l) rises towards 1 (at σw² = 2 the q bars widen like a random walk)
    public void WideNetworksFollowTheLengthAndCorrelationMaps(string activation, double sw2, double sb2, double inputCorrelation)
    {
        var phi = Phi.Parse(activation);
        var g = new TorchGenerator(1234);
        var (xa, xb) = Inputs(g, inputCorrelation);
        double q0a = Dot(xa, xa) / Width, q0b = Dot(xb, xb) / Width, c0 = Dot(xa, xb) / Math.Sqrt(Dot(xa, xa) * Dot(xb, xb));
        var predicted = new MeanField(phi, sw2, sb2).PredictPair(q0a, q0b, c0, Depth);

        var qa = new double[Replicas, Depth];
        var c = new double[Replicas, Depth];
        for (int r = 0; r < Replicas; r++) Simulate(phi, sw2, sb2, g, xa, xb, r, qa, c);

        for (int l = 0; l < Depth; l++)
        {
            var (qMean, qSe) = MeanAndStandardError(qa, l);
            var (cMean, cSe) = MeanAndStandardError(c, l);
            output.WriteLine($"layer {l + 1}: q {qMean:F5} ± {qSe:F5} (predicted {predicted[l].Q1:F5}), c {cMean:F5} ± {cSe:F5} (predicted {predicted[l].C:F5})");
            Assert.True(Math.Abs(qMean - predicted[l].Q1) <= 5 * qSe, $"layer {l + 1}: q {qMean} ± {qSe}, predicted {predicted[l].Q1}");
            Assert.True(Math.Abs(cMean - predicted[l].C) <= 5 * cSe, $"layer {l + 1}: c {cMean} ± {cSe}, predicted {predicted[l].C}");
            // The bars must be tight enough for the comparison to mean something. ReLU's |h|² per
            // layer fluctuates by √(5/width) ≈ 5% and compounds, hence 8% on q.
            Assert.True(qSe < 0.08 * predicted[l].Q1 && cSe < 0.03, $"layer {l + 1}: error bars too wide ({qSe}, {cSe})");
        }
    }

    private static (double[] A, double[] B) Inputs(TorchGenerator g, double correlation)
    {
        var a = new double[Width];
        var b = new double[Width];
        for (int i = 0; i < Width; i++)
        {
            a[i] = g.NextNormalDouble(0, 1);
            b[i] = 0.8 * (correlation * a[i] + Math.Sqrt(1 - correlation * correlation) * g.NextNormalDouble(0, 1));
        }
        return (a, b);
    }

    // One network h(l) = W(l)·φ(h(l−1)) + b(l) (layer 1 fed x itself), W ~ N(0, σw²/width), b ~ N(0, σb²).
    private static void Simulate(Phi phi, double sw2, double sb2, TorchGenerator g, double[] xa, double[] xb, int replica, double[,] qa, double[,] c)
    {
        var w = new float[Width * Width];
        var bias = new float[Width];
        double[] inA = xa, inB = xb;
        for (int l = 0; l < Depth; l++)
        {
            g.Normal(w, 0, Math.Sqrt(sw2 / Width));
            g.Normal(bias, 0, Math.Sqrt(sb2));
            var ha = new double[Width];
            var hb = new double[Width];
            for (int i = 0; i < Width; i++)
            {
                var row = w.AsSpan(i * Width, Width);
                double sa = bias[i], sb = bias[i];
                for (int j = 0; j < Width; j++)
                {
                    sa += row[j] * inA[j];
                    sb += row[j] * inB[j];
                }
                (ha[i], hb[i]) = (sa, sb);
            }
            qa[replica, l] = Dot(ha, ha) / Width;
            c[replica, l] = Dot(ha, hb) / Math.Sqrt(Dot(ha, ha) * Dot(hb, hb));
            inA = ha.Select(phi.F).ToArray();
            inB = hb.Select(phi.F).ToArray();
        }
    }

    private static (double Mean, double StandardError) MeanAndStandardError(double[,] x, int column)
    {
        int n = x.GetLength(0);
        double mean = 0, ss = 0;
        for (int r = 0; r < n; r++) mean += x[r, column] / n;
        for (int r = 0; r < n; r++) ss += (x[r, column] - mean) * (x[r, column] - mean);
        return (mean, Math.Sqrt(ss / (n - 1) / n));
    }

    private static double Dot(double[] a, double[] b)
    {
        double s = 0;
        for (int i = 0; i < a.Length; i++) s += a[i] * b[i];
        return s;
    }
}
