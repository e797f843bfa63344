using InitLab.Nn;
using InitLab.Random;
using Tensor = InitLab.Tensors.Tensor;

namespace InitLab.Tests.Nn;

/// <summary>
/// Sequential fuses Linear+ReLU at call time; the layers themselves must stay plain modules
/// and the fused pass must give the unfused numbers.
/// </summary>
public class SequentialFusionTests
{
    private static Linear NewLinear(int inF, int outF, TorchGenerator g) => NnTestData.NewLinear(inF, outF, g);

    private static Tensor Batch(int rows, int cols, ulong seed) => NnTestData.Batch(rows, cols, seed);

    [Fact]
    public void ALinearInsideASequentialStillReturnsThePreActivation()
    {
        var g = new TorchGenerator(1);
        var l1 = NewLinear(20, 30, g);
        var model = new Sequential(l1, new Relu(), NewLinear(30, 5, g));
        var x = Batch(8, 20, 2);
        model.Forward(x);
        var y = l1.Forward(x);
        Assert.Contains(y.Data, v => v < 0); // a ReLU'd output would have none
        for (int i = 0; i < 8; i++)
            for (int j = 0; j < 30; j++)
            {
                double s = l1.Bias!.Value.Data[j];
                for (int p = 0; p < 20; p++) s += (double)x[i, p] * l1.Weight.Value[j, p];
                Assert.Equal(s, y[i, j], 4);
            }
    }

    [Fact]
    public void FusedPassesGiveTheUnfusedLayersNumbers()
    {
        // The same layer objects, called one by one (no fusion) and through the Sequential (fused).
        var g = new TorchGenerator(3);
        Layer[] layers = [NewLinear(40, 33, g), new Relu(), NewLinear(33, 17, g), new Relu(), NewLinear(17, 6, g), new Relu()];
        var model = new Sequential(layers);
        var x = Batch(12, 40, 4);
        var dy = Batch(12, 6, 5);

        Tensor h = x;
        foreach (var l in layers) h = l.Forward(h);
        float[] yPlain = h.Data.ToArray();
        Tensor? d = dy;
        for (int i = layers.Length - 1; i >= 0; i--) d = layers[i].Backward(d!, needInputGrad: true);
        float[] dxPlain = d!.Data.ToArray();
        float[][] gradsPlain = model.Parameters.Select(p => p.Grad.Data.ToArray()).ToArray();

        var y = model.Forward(x);
        Assert.Equal(yPlain, y.Data);
        var dx = model.Backward(dy, needInputGrad: true);
        Assert.Equal(dxPlain, dx!.Data);
        for (int k = 0; k < gradsPlain.Length; k++) Assert.Equal(gradsPlain[k], model.Parameters[k].Grad.Data);
        Assert.Contains(yPlain, v => v == 0); // the ReLUs did cut something
    }

    /// <summary>An output gradient of the wrong shape is refused before anything is written: the bias gradient keeps its old values.</summary>
    [Theory]
    [InlineData(8, 4)]
    [InlineData(8, 2)]
    [InlineData(7, 3)]
    public void ALinearRefusesAnOutputGradientOfTheWrongShape(int rows, int cols)
    {
        var l = NewLinear(5, 3, new TorchGenerator(1));
        l.Forward(Batch(8, 5, 2));
        Array.Fill(l.Bias!.Grad.Data, 42f);
        var e = Assert.Throws<ArgumentException>(() => l.Backward(new Tensor(rows, cols), needInputGrad: true));
        Assert.Equal($"Linear backward: the output gradient is {rows}x{cols}, the output was 8x3.", e.Message);
        Assert.All(l.Bias.Grad.Data, v => Assert.Equal(42f, v));
    }
}
