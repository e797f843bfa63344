using System.Text.Json;
using InitLab.Theory;

namespace InitLab.Tests.Cli;

public class TheoryCommandTests
{
    [Fact]
    public void JsonCarriesTheLibrarysNumbers()
    {
        var (code, output, err) = CliTests.Run("theory", "--activation", "tanh", "--sw2", "2.5", "--sb2", "0.05", "--depth", "4", "--q0", "0.7", "--json");
        Assert.True(code == 0, err);
        var j = JsonDocument.Parse(output).RootElement;
        var mf = new MeanField(Phi.Tanh, 2.5, 0.05);
        Assert.Equal(mf.QStar, j.GetProperty("q_star").GetDouble());
        Assert.Equal(mf.Chi1, j.GetProperty("chi1").GetDouble());
        Assert.Equal(mf.CStar, j.GetProperty("c_star").GetDouble());
        Assert.Equal(mf.DepthScaleC, j.GetProperty("xi_c").GetDouble());
        Assert.Equal(mf.DepthScaleQ, j.GetProperty("xi_q").GetDouble());
        Assert.Equal("chaotic", j.GetProperty("phase").GetString());
        Assert.Equal(CriticalLine.WeightVariance(Phi.Tanh, 0.05), j.GetProperty("critical_sw2").GetDouble());
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
