using InitLab.Models;
using InitLab.Nn;
using InitLab.Tensors;

namespace InitLab.Tests.Nn;

/// <summary>
/// Backprop against central finite differences of the same network evaluated in double
/// precision (an independent forward pass written here), so the check is not limited by float
/// rounding.
/// </summary>
public class GradientCheckTests
{
    public static TheoryData<string> Activations => new() { "relu", "leaky-relu", "sigmoid", "tanh" };

    private static double Act(string a, double v) => a switch
    {
        "relu" => Math.Max(v, 0),
        "leaky-relu" => v > 0 ? v : 0.01 * v,
        "sigmoid" => 1 / (1 + Math.Exp(-v)),
        _ => Math.Tanh(v),
    };

    /// <summary>Mean cross-entropy of the MLP in double, with parameters given as double arrays.</summary>
    private static double Loss(string act, int[] sizes, double[][] p, double[] x, int[] y, int batch)
    {
        double total = 0;
        for (int r = 0; r < batch; r++)
        {
            double[] h = x.Skip(r * sizes[0]).Take(sizes[0]).ToArray();
            for (int l = 0; l + 1 < sizes.Length; l++)
            {
                double[] w = p[2 * l], b = p[2 * l + 1];
                var o = new double[sizes[l + 1]];
                for (int j = 0; j < o.Length; j++)
                {
                    double s = b[j];
                    for (int i = 0; i < h.Length; i++) s += w[j * h.Length + i] * h[i];
                    o[j] = l + 2 < sizes.Length ? Act(act, s) : s;
                }
                h = o;
            }
            double max = h.Max();
            total += max + Math.Log(h.Sum(v => Math.Exp(v - max))) - h[y[r]];
        }
        return total / batch;
    }

    [Theory]
    [MemberData(nameof(Activations))]
    public void BackpropMatchesFiniteDifferences(string act)
    {
        int[] sizes = [6, 5, 4, 3];
        int batch = 5;
        var rng = new System.Random(42);
        var layers = new List<Layer>();
        for (int i = 0; i + 1 < sizes.Length; i++)
        {
            var lin = new Linear(sizes[i], sizes[i + 1]);
            foreach (var p in lin.Parameters)
                for (int k = 0; k < p.Value.Length; k++) p.Value.Data[k] = (float)(rng.NextDouble() - 0.5);
            layers.Add(lin);
            if (i + 2 < sizes.Length) layers.Add(Mlp.CreateActivation(act));
        }
        var model = new Sequential(layers.ToArray());
        var x = new Tensor(batch, sizes[0]);
        for (int k = 0; k < x.Length; k++) x.Data[k] = (float)(rng.NextDouble() * 2 - 1);
        int[] y = [0, 2, 1, 1, 0];
        var loss = new CrossEntropyLoss();
        loss.Forward(model.Forward(x), y);
        var dx = model.Backward(loss.Gradient)!;

        double[][] pd = model.Parameters.Select(p => p.Value.Data.Select(v => (double)v).ToArray()).ToArray();
        double[] xd = x.Data.Select(v => (double)v).ToArray();
        const double h = 1e-6;
        int checkedCount = 0;
        for (int t = 0; t < pd.Length; t++)
            for (int k = 0; k < pd[t].Length; k++)
            {
                double keep = pd[t][k];
                pd[t][k] = keep + h; double up = Loss(act, sizes, pd, xd, y, batch);
                pd[t][k] = keep - h; double down = Loss(act, sizes, pd, xd, y, batch);
                pd[t][k] = keep;
                double numeric = (up - down) / (2 * h);
                double analytic = model.Parameters[t].Grad.Data[k];
                Assert.True(Math.Abs(numeric - analytic) <= 1e-4 * Math.Abs(numeric) + 2e-6,
                    $"{act} param {t}[{k}]: finite difference {numeric:E6}, backprop {analytic:E6}");
                checkedCount++;
            }
        for (int k = 0; k < xd.Length; k++)
        {
            double keep = xd[k];
            xd[k] = keep + h; double up = Loss(act, sizes, pd, xd, y, batch);
            xd[k] = keep - h; double down = Loss(act, sizes, pd, xd, y, batch);
            xd[k] = keep;
            double numeric = (up - down) / (2 * h);
            Assert.True(Math.Abs(numeric - dx.Data[k]) <= 1e-4 * Math.Abs(numeric) + 2e-6, $"{act} input[{k}]: {numeric:E6} vs {dx.Data[k]:E6}");
        }
        Assert.Equal(model.Parameters.Sum(p => p.Value.Length), checkedCount);
    }

    [Fact]
    public void CrossEntropyIsStableForHugeLogits()
    {
        var logits = new Tensor(new float[] { 1000f, 0f, -1000f, 50f, 60f, 70f }, 2, 3);
        var loss = new CrossEntropyLoss();
        float l = loss.Forward(logits, [0, 1]);
        // Row 0: log-softmax of the true class is 0. Row 1: 70 + log(e^-20 + e^-10 + 1) - 60.
        double row1 = 70 + Math.Log(Math.Exp(-20) + Math.Exp(-10) + 1) - 60;
        Assert.Equal(row1 / 2, l, 5);
        Assert.All(loss.Gradient.Data, g => Assert.True(float.IsFinite(g)));
        Assert.Equal(0f, loss.Gradient[0, 0] + loss.Gradient[0, 1] + loss.Gradient[0, 2], 6);
    }
}
