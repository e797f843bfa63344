using InitLab.Nn;
using Tensor = InitLab.Tensors.Tensor;

namespace InitLab.Tests.Nn;

public class ActivationsTests
{
    [Theory]
    [InlineData(ActivationKind.Relu, "relu", typeof(Relu))]
    [InlineData(ActivationKind.LeakyRelu, "leaky-relu", typeof(LeakyRelu))]
    [InlineData(ActivationKind.Sigmoid, "sigmoid", typeof(Sigmoid))]
    [InlineData(ActivationKind.Tanh, "tanh", typeof(Tanh))]
    public void KindNameAndLayerRoundTrip(ActivationKind kind, string name, Type type)
    {
        var layer = Activations.Create(kind);
        Assert.IsType(type, layer);
        Assert.Equal(kind, Activations.KindOf(layer));
        Assert.Equal(name, Activations.NameOf(layer));
        var again = Activations.Create(Activations.NameOf(layer));
        Assert.IsType(type, again);
        Assert.Equal(name, Activations.NameOf(again));
        Assert.Contains(name, Activations.Names);
    }

    [Fact]
    public void LeakySlopeTravelsInTheName()
    {
        var layer = (LeakyRelu)Activations.Create(ActivationKind.LeakyRelu, 0.2f);
        Assert.Equal("leaky-relu:0.2", Activations.NameOf(layer));
        var again = (LeakyRelu)Activations.Create("leaky-relu:0.2");
        Assert.Equal(0.2f, again.NegativeSlope);
        // The default slope has the plain name, as model files have always stored it.
        Assert.Equal("leaky-relu", Activations.NameOf(new LeakyRelu()));
        Assert.Equal(0.01f, ((LeakyRelu)Activations.Create("leaky-relu")).NegativeSlope);
    }

    [Theory]
    [InlineData(" ReLU ", typeof(Relu))]
    [InlineData("LEAKY_RELU", typeof(LeakyRelu))]
    [InlineData("leakyrelu", typeof(LeakyRelu))]
    [InlineData("leaky_relu:0.3", typeof(LeakyRelu))]
    [InlineData("Sigmoid", typeof(Sigmoid))]
    [InlineData("TANH", typeof(Tanh))]
    public void AliasesAndCaseAreAccepted(string name, Type type) => Assert.IsType(type, Activations.Create(name));

    [Theory]
    [InlineData("gelu")]
    [InlineData("leaky-relu:abc")]
    [InlineData("")]
    public void AnUnknownNameListsTheKnownOnes(string name)
    {
        var e = Assert.Throws<ArgumentException>(() => Activations.Create(name));
        Assert.Contains($"'{name}'", e.Message);
        foreach (var known in Activations.Names) Assert.Contains(known, e.Message);
        Assert.False(Activations.TryCreate(name, out _));
    }

    [Fact]
    public void ChoicesReadAsAHelpText() => Assert.Equal("relu, leaky-relu, sigmoid, tanh, selu or prelu", Activations.Choices);

    [Fact]
    public void OtherLayersHaveNoName() =>
        Assert.Throws<ArgumentException>(() => Activations.NameOf(new Linear(2, 2)));

    [Fact]
    public void DeadUnitsOfTheReluFamilyAreColumnsNeverPositive()
    {
        // Unit 0 is 0 for every sample (dead); unit 1 turns on once; unit 2 always.
        var relu = new Tensor([0, 0, 1, 0, 3, 2, 0, 0, 5], 3, 3);
        Assert.Equal(1 / 3.0, Activations.Create(ActivationKind.Relu).DeadOrSaturated(relu), 12);
        // Leaky ReLU's output is negative where it is off: units 0 and 1 never positive.
        var leaky = new Tensor([-0.01f, -0.02f, 0.5f, -0.03f, 0f, -0.1f], 2, 3);
        Assert.Equal(2 / 3.0, Activations.Create("leaky-relu").DeadOrSaturated(leaky), 12);
        Assert.Equal("dead", Activations.Create(ActivationKind.Relu).DeadOrSaturatedLabel);
        Assert.Equal("dead", Activations.Create(ActivationKind.LeakyRelu).DeadOrSaturatedLabel);
    }

    [Fact]
    public void SaturatedValuesAreWithinOnePercentOfALimit()
    {
        // tanh: |y| > 0.99 counts; 0.99 itself does not.
        var tanh = new Tensor([0.995f, -0.999f, 0.99f, 0f, -0.5f, 1f, 0.2f, -0.98f], 2, 4);
        Assert.Equal(3 / 8.0, Activations.Create(ActivationKind.Tanh).DeadOrSaturated(tanh), 12);
        // sigmoid: y < 0.01 or y > 0.99.
        var sigmoid = new Tensor([0.005f, 0.995f, 0.01f, 0.5f, 0.99f, 0f], 2, 3);
        Assert.Equal(3 / 6.0, Activations.Create(ActivationKind.Sigmoid).DeadOrSaturated(sigmoid), 12);
        Assert.Equal("saturated", Activations.Create(ActivationKind.Tanh).DeadOrSaturatedLabel);
        Assert.Equal("saturated", Activations.Create(ActivationKind.Sigmoid).DeadOrSaturatedLabel);
    }
}
