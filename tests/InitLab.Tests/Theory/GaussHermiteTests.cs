using InitLab.Theory;

namespace InitLab.Tests.Theory;

public class GaussHermiteTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(5)]
    [InlineData(50)]
    [InlineData(200)]
    public void GaussianMomentsAreExact(int n)
    {
        var rule = GaussHermite.Get(n);
        Assert.Equal(Math.Sqrt(Math.PI), rule.Weights.ToArray().Sum(), 1e-13);
        Assert.Equal(1, rule.Expect(_ => 1.0), 1e-14);
        Assert.Equal(0, rule.Expect(z => z), 1e-14);
        // E[z^2k] = (2k−1)!! is exact while 2k < 2n.
        if (n >= 2) Assert.Equal(1, rule.Expect(z => z * z), 1e-13);
        if (n >= 3) Assert.Equal(3, rule.Expect(z => z * z * z * z), 1e-12);
        if (n >= 6) Assert.Equal(945, rule.Expect(z => Math.Pow(z, 10)), 1e-9 * 945);
    }

    [Fact]
    public void TwoPointRuleIntegratesCorrelatedProducts()
    {
        var rule = GaussHermite.Get(20);
        // E[(z1 + 2 z2)^2 z1^2] = E[z1^4] + 4 E[z1^2 z2^2] = 3 + 4.
        Assert.Equal(7, rule.Expect((a, b) => (a + 2 * b) * (a + 2 * b) * a * a), 1e-12);
    }

    [Fact]
    public void NodesAreTheRootsOfHermitePolynomials()
    {
        // H_3(x) = 8x³ − 12x: roots 0, ±√(3/2), weights √π/6, 2√π/3, √π/6.
        var rule = GaussHermite.Get(3);
        Assert.Equal(-Math.Sqrt(1.5), rule.Nodes[0], 1e-15);
        Assert.Equal(0, rule.Nodes[1], 1e-15);
        Assert.Equal(Math.Sqrt(Math.PI) / 6, rule.Weights[0], 1e-15);
        Assert.Equal(2 * Math.Sqrt(Math.PI) / 3, rule.Weights[1], 1e-15);
    }

    [Theory]
    [InlineData(0.1)]
    [InlineData(0.25)]
    [InlineData(0.5)]
    public void TanhSecondMomentConvergesBetween50And200Nodes(double q)
    {
        double s = Math.Sqrt(q);
        double e50 = GaussHermite.Get(50).Expect(z => Math.Pow(Math.Tanh(s * z), 2));
        double e200 = GaussHermite.Get(200).Expect(z => Math.Pow(Math.Tanh(s * z), 2));
        Assert.Equal(e200, e50, 1e-10);
        Assert.InRange(e200, 0.05, 0.7);
    }

    [Fact]
    public void TanhConvergenceSlowsAsQGrows()
    {
        // tanh(√q z) has poles at z = ±iπ/(2√q): the error falls like exp(−π√(n/q)), so at q = 1
        // 50 nodes are off by ~4e−8 (NumPy's hermgauss gives the same sums) while 200 are not.
        double Second(int n, double q) => GaussHermite.Get(n).Expect(z => Math.Pow(Math.Tanh(Math.Sqrt(q) * z), 2));
        double reference = 0.39429449039784115;  // q = 1, a 40,000-point midpoint sum in NumPy
        Assert.InRange(Math.Abs(Second(50, 1) - reference), 1e-8, 1e-7);
        Assert.Equal(reference, Second(200, 1), 1e-13);
    }

    [Fact]
    public void OrdersOutsideTheSupportedRangeAreRefused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => GaussHermite.Get(0));
        Assert.Throws<ArgumentOutOfRangeException>(() => GaussHermite.Get(GaussHermite.MaxOrder + 1));
    }
}
