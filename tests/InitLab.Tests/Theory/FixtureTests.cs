using System.Text.Json;
using InitLab.Theory;
using Xunit.Abstractions;

namespace InitLab.Tests.Theory;

/// <summary>Against fixtures/theory.json, written by make_theory_fixtures.py with midpoint sums on z grids instead of Gauss–Hermite.</summary>
public class FixtureTests(ITestOutputHelper output)
{
    public static TheoryData<string> Cases()
    {
        var data = new TheoryData<string>();
        foreach (var c in Fixtures.Load("theory.json").GetProperty("cases").EnumerateArray())
            data.Add($"{c.GetProperty("activation").GetString()} {c.GetProperty("sw2").GetDouble():R} {c.GetProperty("sb2").GetDouble():R}");
        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void FixedPointsAndDepthScalesAgreeWithNumPy(string key)
    {
        var c = Fixtures.Load("theory.json").GetProperty("cases").EnumerateArray()
            .Single(e => $"{e.GetProperty("activation").GetString()} {e.GetProperty("sw2").GetDouble():R} {e.GetProperty("sb2").GetDouble():R}" == key);
        double Get(string name) => c.GetProperty(name).GetDouble();
        var mf = new MeanField(Phi.Parse(c.GetProperty("activation").GetString()!), Get("sw2"), Get("sb2"));
        output.WriteLine($"{key}: q* {Rel(Get("q_star"), mf.QStar):E1}, χ₁ {Rel(Get("chi1"), mf.Chi1):E1}, c* {Math.Abs(Get("c_star") - mf.CStar):E1} abs, " +
                         $"ξ_q {Rel(Get("xi_q"), mf.DepthScaleQ):E1}, ξ_c {Rel(Get("xi_c"), mf.DepthScaleC):E1}");
        Assert.Equal(c.GetProperty("phase").GetString(), mf.Phase.ToString().ToLowerInvariant());
        Assert.True(Rel(Get("q_star"), mf.QStar) < 1e-4, $"q* {mf.QStar} vs {Get("q_star")}");
        Assert.True(Rel(Get("chi1"), mf.Chi1) < 1e-4, $"χ₁ {mf.Chi1} vs {Get("chi1")}");
        Assert.True(Math.Abs(Get("c_star") - mf.CStar) < 1e-4, $"c* {mf.CStar} vs {Get("c_star")}");
        Assert.True(Rel(Get("xi_c"), mf.DepthScaleC) < 0.01, $"ξ_c {mf.DepthScaleC} vs {Get("xi_c")}");
        Assert.True(Rel(Get("xi_q"), mf.DepthScaleQ) < 0.01, $"ξ_q {mf.DepthScaleQ} vs {Get("xi_q")}");
    }

    [Fact]
    public void CriticalLinesAgreeWithNumPy()
    {
        foreach (var c in Fixtures.Load("theory.json").GetProperty("critical").EnumerateArray())
        {
            double expected = c.GetProperty("sw2").GetDouble();
            double actual = CriticalLine.WeightVariance(Phi.Parse(c.GetProperty("activation").GetString()!), c.GetProperty("sb2").GetDouble());
            output.WriteLine($"{c}: {actual:R} ({Rel(expected, actual):E1})");
            Assert.True(Rel(expected, actual) < 1e-4, $"{c}: got {actual}");
        }
    }

    private static double Rel(double expected, double actual) => Math.Abs(actual - expected) / Math.Max(Math.Abs(expected), 1e-300);
}
