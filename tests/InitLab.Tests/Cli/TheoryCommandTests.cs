using System.Text.Json;
using InitLab.Theory;

namespace InitLab.Tests.Cli;

public class TheoryCommandTests
{
    [Fact]
    public void JsonCarriesTheLibrarysNumbers()
    {
        var (code, output, err) = CliTests.Run("theory", "--activation", "tanh", "--weight-var", "2.5", "--bias-var", "0.05", "--depth", "4", "--q0", "0.7", "--json");
        Assert.True(code == 0, err);
        var j = JsonDocument.Parse(output).RootElement;
        var mf = new MeanField(Phi.Tanh, 2.5, 0.05);
        Assert.Equal(mf.QStar, j.GetProperty("q_star").GetDouble());
        Assert.Equal(mf.Chi1, j.GetProperty("chi1").GetDouble());
        Assert.Equal(mf.CStar, j.GetProperty("c_star").GetDouble());
        Assert.Equal(mf.DepthScaleC, j.GetProperty("xi_c").GetDouble());
        Assert.Equal(mf.DepthScaleQ, j.GetProperty("xi_q").GetDouble());
        Assert.Equal(CriticalLine.WeightVariance(Phi.Tanh, 0.05), j.GetProperty("critical_weight_var").GetDouble());
        var layers = j.GetProperty("layers").EnumerateArray().ToArray();
        var predicted = mf.Predict(0.7, 4);
        Assert.Equal(4, layers.Length);
        for (int l = 0; l < 4; l++)
        {
            Assert.Equal(predicted[l].Q, layers[l].GetProperty("q").GetDouble());
            Assert.Equal(predicted[l].GradientFactor, layers[l].GetProperty("gradient_factor").GetDouble());
            Assert.Equal(predicted[l].GradientNormRatio, layers[l].GetProperty("gradient_norm_ratio").GetDouble());
        }
    }

    [Fact]
    public void JsonHasExactlyTheIssuesKeysAndTheOldOptionNamesStillWork()
    {
        var (code, output, err) = CliTests.Run("theory", "--activation", "tanh", "--sw2", "1.5", "--sb2", "0.05", "--json");
        Assert.True(code == 0, err);
        var j = JsonDocument.Parse(output).RootElement;
        Assert.Equal(["c_star", "chi1", "critical_weight_var", "q_star", "xi_c", "xi_q"], j.EnumerateObject().Select(p => p.Name).Order());
        Assert.Equal(new MeanField(Phi.Tanh, 1.5, 0.05).Chi1, j.GetProperty("chi1").GetDouble());
    }

    [Fact]
    public void JsonXiCIsNullOnTheCriticalLine()
    {
        // ReLU's critical σw² is 2 at every σb²: χ₁ = 1 exactly, ξ_c infinite.
        var (code, output, err) = CliTests.Run("theory", "--activation", "relu", "--weight-var", "2", "--bias-var", "0", "--json");
        Assert.True(code == 0, err);
        var j = JsonDocument.Parse(output).RootElement;
        Assert.Equal(JsonValueKind.Null, j.GetProperty("xi_c").ValueKind);
        Assert.Equal(2.0, j.GetProperty("critical_weight_var").GetDouble());
    }

    [Fact]
    public void PlotWritesAPngAndKeepsJsonAloneOnStdout()
    {
        string dir = Directory.CreateTempSubdirectory("initlab-theory-").FullName;
        try
        {
            string png = Path.Combine(dir, "phase.png");
            var (code, output, err) = CliTests.Run("theory", "--activation", "relu", "--weight-var", "1.5", "--bias-var", "0.05", "--json", "--plot", png);
            Assert.True(code == 0, err);
            JsonDocument.Parse(output);
            PngAssert.Decodes(png);
            Assert.Contains("Plot written", err);
        }
        finally { Directory.Delete(dir, true); }
    }

    [Fact]
    public void TextNamesThePhaseAndInfiniteValuesAreNullInJson()
    {
        var (code, output, err) = CliTests.Run("theory", "--activation", "relu", "--sw2", "2", "--sb2", "0.1");
        Assert.True(code == 0, err);
        Assert.Contains("critical", output);
        Assert.Contains("q*        inf", output);
        (code, output, _) = CliTests.Run("theory", "--activation", "relu", "--sw2", "2", "--sb2", "0.1", "--json");
        Assert.Equal(0, code);
        Assert.Equal(JsonValueKind.Null, JsonDocument.Parse(output).RootElement.GetProperty("q_star").ValueKind);
    }

    [Fact]
    public void UnknownActivationIsAUserError()
    {
        var (code, _, err) = CliTests.Run("theory", "--activation", "gelu");
        Assert.Equal(1, code);
        Assert.Contains("tanh", err);
    }
}
