using InitLab.Init;
using InitLab.Models;
using InitLab.Nn;
using InitLab.Numerics;
using InitLab.Random;
using InitLab.Tensors;

namespace InitLab.Tests.Init;

/// <summary>
/// Statistical checks of every initializer on a 512 x 1024 weight (524,288 draws): bounds hold
/// exactly; the sample mean and variance are within 5 standard errors of the theory (a chance
/// of a false failure below 1e-6 per check; the seeds are fixed, so the tests are repeatable).
/// </summary>
public class DistributionTests
{
    private const int Out = 512, In = 1024;

    private static float[] Draw(string spec, ulong seed = 12345)
    {
        var t = new Tensor(Out, In);
        InitSpec.Parse(spec).Apply(t, new TorchGenerator(seed));
        return t.Data;
    }

    /// <summary>Checks the sample mean and variance against expected values within 5 standard errors.</summary>
    private static void Moments(float[] x, double mean, double variance, string what)
    {
        int n = x.Length;
        double m = x.Average(v => (double)v);
        double s2 = x.Sum(v => (v - m) * (v - m)) / (n - 1);
        double m4 = x.Sum(v => Math.Pow(v - m, 4)) / n;
        double seMean = Math.Sqrt(variance / n);
        double seVar = Math.Sqrt(Math.Max(m4 - s2 * s2, 1e-30) / n);
        Assert.True(Math.Abs(m - mean) <= 5 * seMean, $"{what}: mean {m:E4}, expected {mean:E4} ± {5 * seMean:E2}");
        Assert.True(Math.Abs(s2 - variance) <= 5 * seVar, $"{what}: variance {s2:E4}, expected {variance:E4} ± {5 * seVar:E2}");
    }

    private static void Bounds(float[] x, double lo, double hi, string what)
    {
        Assert.True(x.Min() >= lo, $"{what}: minimum {x.Min()} below {lo}");
        Assert.True(x.Max() <= hi, $"{what}: maximum {x.Max()} above {hi}");
    }

    [Fact]
    public void Uniform()
    {
        var x = Draw("uniform:a=-0.3,b=0.7");
        Bounds(x, -0.3, 0.7, "uniform");
        Moments(x, 0.2, 1.0 / 12, "uniform");
    }

    [Fact]
    public void Normal() => Moments(Draw("normal:mean=0.5,std=2"), 0.5, 4, "normal");

    [Theory]
    [InlineData(0.0, 1.0, -2.0, 2.0)]
    [InlineData(0.1, 0.5, -0.6, 0.9)]
    [InlineData(1.0, 2.0, 0.0, 5.0)]
    public void TruncatedNormal(double mu, double sigma, double a, double b)
    {
        var x = Draw(FormattableString.Invariant($"trunc-normal:mean={mu},std={sigma},a={a},b={b}"));
        Bounds(x, a, b, "trunc-normal");
        // Moments of N(mu, sigma²) truncated to [a, b].
        double al = (a - mu) / sigma, be = (b - mu) / sigma;
        static double Phi(double z) => (1 + SpecialFunctions.Erf(z / Math.Sqrt(2))) / 2;
        static double Pdf(double z) => Math.Exp(-z * z / 2) / Math.Sqrt(2 * Math.PI);
        double z = Phi(be) - Phi(al);
        double mean = mu + sigma * (Pdf(al) - Pdf(be)) / z;
        double variance = sigma * sigma * (1 + (al * Pdf(al) - be * Pdf(be)) / z - Math.Pow((Pdf(al) - Pdf(be)) / z, 2));
        Moments(x, mean, variance, "trunc-normal");
    }

    [Theory]
    [InlineData("xavier-uniform", 2.0 / (In + Out), true)]
    [InlineData("xavier-uniform:gain=tanh", 25.0 / 9 * 2.0 / (In + Out), true)]
    [InlineData("xavier-normal", 2.0 / (In + Out), false)]
    [InlineData("kaiming-uniform:nonlinearity=relu", 2.0 / In, true)]
    [InlineData("kaiming-normal:nonlinearity=relu", 2.0 / In, false)]
    [InlineData("kaiming-normal:mode=fan_out,nonlinearity=relu", 2.0 / Out, false)]
    [InlineData("he-normal:a=0.2,nonlinearity=leaky_relu", 2.0 / (1 + 0.04) / In, false)]
    [InlineData("variance-scaling:scale=2,mode=fan_avg,distribution=uniform", 2.0 / ((In + Out) / 2.0), true)]
    [InlineData("variance-scaling:scale=0.5,mode=fan_out,distribution=untruncated_normal", 0.5 / Out, false)]
    [InlineData("keras:he-normal", 2.0 / In, false)]
    [InlineData("keras:lecun-normal", 1.0 / In, false)]
    [InlineData("keras:glorot-normal", 2.0 / (In + Out), false)]
    [InlineData("keras:lecun-uniform", 1.0 / In, true)]
    public void VarianceFollowsTheFans(string spec, double variance, bool uniform)
    {
        var x = Draw(spec);
        if (uniform)
        {
            double limit = Math.Sqrt(3 * variance);
            Bounds(x, -limit, limit, spec);
        }
        if (spec.StartsWith("keras:") && spec.EndsWith("normal"))
        {
            // Keras' truncated normal is cut at two standard deviations of the underlying normal.
            double sd = Math.Sqrt(variance) / 0.87962566103423978;
            Bounds(x, -2 * sd, 2 * sd, spec);
        }
        Moments(x, 0, variance, spec);
    }

    [Fact]
    public void KerasRandomInitializersUseKerasDefaults()
    {
        var normal = Draw("keras:random-normal");
        Moments(normal, 0, 0.05 * 0.05, "keras:random-normal");
        var uniform = Draw("keras:random-uniform");
        Bounds(uniform, -0.05, 0.05, "keras:random-uniform");
        Moments(uniform, 0, 0.1 * 0.1 / 12, "keras:random-uniform");
        Moments(Draw("keras:random-uniform:minval=0,maxval=2"), 1, 4.0 / 12, "keras:random-uniform:minval=0,maxval=2");
        // Cut at two standard deviations of the underlying normal: variance × 0.7737 (= 0.8796²).
        var truncated = Draw("keras:truncated-normal:mean=0.3,stddev=0.1");
        Bounds(truncated, 0.1, 0.5, "keras:truncated-normal");
        Moments(truncated, 0.3, Math.Pow(0.1 * 0.87962566103423978, 2), "keras:truncated-normal");
    }

    [Fact]
    public void KerasIdentityConstantAndAliases()
    {
        var eye = Draw("keras:identity:gain=2");
        for (int r = 0; r < Out; r++)
            for (int c = 0; c < In; c++)
                Assert.Equal(r == c ? 2f : 0f, eye[r * In + c]);
        Assert.All(Draw("keras:constant:value=0.25"), v => Assert.Equal(0.25f, v));
        Assert.Equal(Draw("orthogonal"), Draw("keras:orthogonal"));
        Assert.Equal(Draw("variance-scaling:scale=2"), Draw("keras:variance-scaling:scale=2"));
        Assert.True(InitSpec.Parse("keras:constant:value=1").IsConstant);
    }

    [Fact]
    public void TorchLinearDefaultIsUniformOverOneOverSqrtFanIn()
    {
        var w = new Tensor(Out, In);
        var b = new Tensor(Out);
        Initializers.TorchLinearDefault(w, b, new TorchGenerator(3));
        double bound = 1 / Math.Sqrt(In);
        Bounds(w.Data, -bound, bound, "default weight");
        Bounds(b.Data, -bound, bound, "default bias");
        Moments(w.Data, 0, bound * bound / 3, "default weight");
    }

    [Theory]
    [InlineData(64, 256, 1.0)]
    [InlineData(256, 64, 1.0)]
    [InlineData(100, 100, 1.5)]
    public void OrthogonalIsOrthogonalTimesGain(int rows, int cols, double gain)
    {
        var w = new Tensor(rows, cols);
        InitSpec.Parse(FormattableString.Invariant($"orthogonal:gain={gain}")).Apply(w, new TorchGenerator(9));
        // Rows orthonormal when wide, columns when tall: W·Wᵀ or Wᵀ·W = gain²·I.
        bool wide = rows <= cols;
        int k = wide ? rows : cols;
        var p = new Tensor(k, k);
        Gemm.Multiply(w, !wide, w, wide, p);
        for (int i = 0; i < k; i++)
            for (int j = 0; j < k; j++)
                Assert.True(Math.Abs(p[i, j] - (i == j ? gain * gain : 0)) < 1e-5, $"({i},{j}) = {p[i, j]}");
    }

    [Fact]
    public void SparseZeroesTheSameShareOfEveryColumn()
    {
        var x = Draw("sparse:sparsity=0.3,std=0.02");
        int zerosPerColumn = (int)Math.Ceiling(0.3 * Out);
        for (int c = 0; c < In; c++)
        {
            int zeros = 0;
            for (int r = 0; r < Out; r++) if (x[r * In + c] == 0f) zeros++;
            Assert.Equal(zerosPerColumn, zeros);
        }
        Moments(x.Where(v => v != 0f).ToArray(), 0, 0.02 * 0.02, "sparse nonzeros");
    }

    [Fact]
    public void EyeConstantZerosOnes()
    {
        var eye = new Tensor(3, 5);
        InitSpec.Parse("eye").Apply(eye, new TorchGenerator());
        Assert.Equal(new float[] { 1, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 1, 0, 0 }, eye.Data);
        Assert.All(Draw("constant:val=0.25"), v => Assert.Equal(0.25f, v));
        Assert.All(Draw("zeros"), v => Assert.Equal(0f, v));
        Assert.All(Draw("ones"), v => Assert.Equal(1f, v));
    }

    [Fact]
    public void LsuvBringsEveryLayersOutputVarianceToOne()
    {
        var g = new TorchGenerator(5);
        var pixels = new byte[300 * 50];
        new System.Random(6).NextBytes(pixels); // values in [0, 1] after scaling: far from unit variance
        var data = new InitLab.Data.Dataset(pixels, new int[300], 5, 10, 10, "random");
        var model = Mlp.Create([50, 64, 64, 64, 10], "tanh", InitPlan.Parse("lsuv:tol=0.05,iters=20,batch=128"), g, new InitContext(data));
        Tensor h = InitLab.Training.DataBatch.First(data, 128).X;
        foreach (var layer in model.Layers)
        {
            if (layer is Linear l)
            {
                var pre = new Tensor(h.Rows, l.OutFeatures);
                Gemm.Multiply(h, false, l.Weight.Value, true, pre);
                double m = pre.Data.Average(v => (double)v);
                double variance = pre.Data.Average(v => (v - m) * (v - m));
                Assert.InRange(variance, 0.95, 1.05);
                Assert.All(l.Bias!.Value.Data, b => Assert.Equal(0f, b));
            }
            h = layer.Forward(h);
        }
    }
}
