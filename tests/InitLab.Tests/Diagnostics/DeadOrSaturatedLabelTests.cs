using InitLab.Diagnostics;
using InitLab.Nn;
using Tensor = InitLab.Tensors.Tensor;

namespace InitLab.Tests.Diagnostics;

public class DeadOrSaturatedLabelTests
{
    [Theory]
    [InlineData("relu", "dead")]
    [InlineData("ReLU", "dead")]
    [InlineData("leaky-relu", "dead")]
    [InlineData("leaky-relu:0.2", "dead")]
    [InlineData("prelu", "dead")]
    [InlineData("tanh", "saturated")]
    [InlineData("sigmoid", "saturated")]
    [InlineData("selu", "saturated")]
    public void EachActivationIsNamedByHowItStopsPassingSignal(string activation, string label)
    {
        Assert.Equal(label, DeadOrSaturatedLabel.Of(activation));
        Assert.Equal(label, DeadOrSaturatedLabel.Heading(activation));
    }

    [Theory]
    [InlineData("")]
    [InlineData("swish")]
    [InlineData("leaky-relu:nan")]
    public void AnUnknownNameHasNoLabelButTheHeadingStaysThere(string activation)
    {
        Assert.Null(DeadOrSaturatedLabel.Of(activation));
        Assert.Equal("saturated", DeadOrSaturatedLabel.Heading(activation));
    }

    /// <summary>
    /// The word matches what the activation's fraction counts. Input (4 rows, 2 units): unit 0 is
    /// -50 in every row, unit 1 is -50 in the first row and 1 in the others. "dead" counts units that
    /// never turn on: unit 0 only, 1/2. "saturated" counts values stuck at a limit: the five -50s,
    /// 5/8 (at 1, tanh is 0.76, the sigmoid 0.73, SELU 1.05: none saturated).
    /// </summary>
    [Fact]
    public void TheLabelSaysWhatTheActivationsFractionCounts()
    {
        var x = new Tensor([-50f, -50f, -50f, 1f, -50f, 1f, -50f, 1f], 4, 2);
        foreach (string name in Activations.Names)
        {
            var activation = Activations.Create(name);
            double fraction = activation.DeadOrSaturated(activation.Forward(x));
            double expected = DeadOrSaturatedLabel.Of(name) switch
            {
                "dead" => 0.5,
                "saturated" => 5.0 / 8,
                var other => throw new Xunit.Sdk.XunitException($"{name}: unexpected label '{other}'"),
            };
            Assert.True(Math.Abs(fraction - expected) < 1e-12, $"{name} ({DeadOrSaturatedLabel.Of(name)}): fraction {fraction}, expected {expected}");
        }
    }
}
