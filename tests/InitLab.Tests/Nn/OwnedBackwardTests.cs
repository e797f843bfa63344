using System.Runtime.InteropServices;
using InitLab.Nn;
using InitLab.Optim;
using InitLab.Random;
using InitLab.Tensors;
using Tensor = InitLab.Tensors.Tensor;

namespace InitLab.Tests.Nn;

/// <summary>
/// A Linear layer's backward pass by halves of its units (OwnedBackward) must give the one
/// parallel GEMM call's numbers bit for bit, on every thread count, and allocate nothing per call.
/// </summary>
public class OwnedBackwardTests
{
    private static Linear NewLinear(int inF, int outF, ulong seed)
    {
        var l = new Linear(inF, outF);
        InitLab.Init.Initializers.TorchLinearDefault(l.Weight.Value, l.Bias?.Value, new TorchGenerator(seed));
        return l;
    }

    private static Tensor Batch(int rows, int cols, ulong seed)
    {
        var x = new Tensor(rows, cols);
        new TorchGenerator(seed).Normal(x.Span, 0, 1);
        return x;
    }

    private static int[] Bits(float[] values) => MemoryMarshal.Cast<float, int>(values.AsSpan()).ToArray();

    [Theory]
    [InlineData(10, 0)]
    [InlineData(256, 0)]     // one k block: the GEMM sums every unit in one chain
    [InlineData(288, 0)]
    [InlineData(289, 152)]   // two blocks of 152 and 137
    [InlineData(300, 152)]
    [InlineData(512, 256)]
    [InlineData(576, 288)]
    [InlineData(577, 0)]     // three blocks
    [InlineData(1024, 0)]
    public void TheSplitIsTheEndOfTheFirstOfExactlyTwoKBlocks(int units, int split)
    {
        Assert.Equal(split, OwnedBackward.SplitOf(units));
        Assert.Equal(split, new Linear(3, units).OwnedSplit);
    }

    [Theory]
    [InlineData(40, 300, 100, true, 1)]
    [InlineData(40, 300, 100, true, 2)]
    [InlineData(40, 300, 100, false, 2)]
    [InlineData(784, 512, 100, true, 2)]   // 784 columns: a last strip of 16
    [InlineData(512, 512, 100, true, 3)]
    [InlineData(33, 576, 7, true, 2)]      // a batch below one row tile, 33 columns
    [InlineData(50, 289, 13, false, 1)]
    public void DxAndDwAreTheOneGemmCallsBitForBit(int inF, int outF, int batch, bool mask, int threads)
    {
        Assert.True(new Linear(inF, outF).OwnedSplit > 0);
        var owned = NewLinear(inF, outF, 7);
        var plain = NewLinear(inF, outF, 7);
        plain.UseOwnedBackward = false;
        var x = Batch(batch, inF, 8);   // about half negative: the mask zeroes about half of dx
        var dy = Batch(batch, outF, 9);
        using var scope = Compute.UseThreads(threads);
        float[] Run(Linear l)
        {
            l.Forward(x);
            var dx = l.Backward(dy, needInputGrad: true, maskByInput: mask)!;
            return dx.Data.ToArray();
        }
        var dxOwned = Run(owned);
        var dxPlain = Run(plain);
        Assert.Equal(Bits(dxPlain), Bits(dxOwned));
        Assert.Equal(Bits(plain.Weight.Grad.Data), Bits(owned.Weight.Grad.Data));
        Assert.Equal(Bits(plain.Bias!.Grad.Data), Bits(owned.Bias!.Grad.Data));
        if (mask) Assert.Contains(dxOwned, v => v == 0f);
        // Against a naive double sum, so that both ways being wrong in the same way fails too.
        for (int i = 0; i < batch; i += Math.Max(1, batch / 5))
            for (int j = 0; j < inF; j += Math.Max(1, inF / 7))
            {
                double s = 0;
                for (int o = 0; o < outF; o++) s += (double)dy[i, o] * owned.Weight.Value[o, j];
                if (mask && !(x[i, j] > 0f)) s = 0;
                Assert.Equal(s, dxOwned[i * inF + j], 3);
            }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void TrainingThroughOwnedLayersGivesTheSameWeights(int threads)
    {
        // 20-300-300-4 with ReLUs and Adam: the second and third layers' backward passes (dx of
        // the 300-unit layers) go by halves, the second with the ReLU mask fused.
        Sequential Model(bool owned)
        {
            var layers = new Layer[] { NewLinear(20, 300, 1), new Relu(), NewLinear(300, 300, 2), new Relu(), NewLinear(300, 4, 3) };
            foreach (var l in layers.OfType<Linear>()) l.UseOwnedBackward = owned;
            return new Sequential(layers);
        }
        var reference = Model(false);
        var model = Model(true);
        Assert.True(((Linear)model.Layers[2]).OwnedSplit > 0);
        var loss = new CrossEntropyLoss();
        using var scope = Compute.UseThreads(threads);
        void Train(Sequential m)
        {
            var adam = new Adam(m.Parameters);
            for (int step = 0; step < 4; step++)
            {
                var x = Batch(50, 20, 100 + (ulong)step);
                int[] labels = Enumerable.Range(0, 50).Select(i => (i * 7 + step) % 4).ToArray();
                loss.Forward(m.Forward(x), labels);
                m.Backward(loss.Gradient, needInputGrad: false);
                adam.Step();
            }
        }
        Train(reference);
        Train(model);
        for (int k = 0; k < model.Parameters.Count; k++)
            Assert.Equal(Bits(reference.Parameters[k].Value.Data), Bits(model.Parameters[k].Value.Data));
    }

    [Fact]
    public void ABackwardPassAllocatesNothingOnceSized()
    {
        var l = NewLinear(64, 512, 4);
        var x = Batch(100, 64, 5);
        var dy = Batch(100, 512, 6);
        using var scope = Compute.UseThreads(2);
        l.Forward(x);
        l.Backward(dy, needInputGrad: true, maskByInput: true);
        long before = GC.GetAllocatedBytesForCurrentThread();
        l.Forward(x);
        l.Backward(dy, needInputGrad: true, maskByInput: true);
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }
}
