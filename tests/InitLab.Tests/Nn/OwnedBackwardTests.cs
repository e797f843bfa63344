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
    private static Linear NewLinear(int inF, int outF, ulong seed) => NnTestData.NewLinear(inF, outF, new TorchGenerator(seed));

    private static Tensor Batch(int rows, int cols, ulong seed) => NnTestData.Batch(rows, cols, seed);

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
    [InlineData(40, 300, 100, true)]
    [InlineData(40, 300, 100, false)]
    [InlineData(784, 512, 100, true)]   // 784 columns: a last strip of 16
    [InlineData(33, 576, 7, true)]      // a batch below one row tile, 33 columns
    [InlineData(50, 289, 13, false)]
    [InlineData(64, 512, 300, true)]    // a batch of 300: dW's inner size in two k blocks too
    public void DxAndDwAreTheOneGemmCallsBitForBitWithEveryKernel(int inF, int outF, int batch, bool mask)
    {
        var w = Batch(outF, inF, 7);
        var x = Batch(batch, inF, 8);   // about half negative: the mask zeroes about half of dx
        var dy = Batch(batch, outF, 9);
        int split = OwnedBackward.SplitOf(outF);
        Assert.True(split > 0);
        var compared = new List<GemmKernel>();
        foreach (var kernel in new[] { GemmKernel.Avx512, GemmKernel.Avx2Fma, GemmKernel.Vector128, GemmKernel.Scalar })
        {
            if (!GemmKernels.IsSupported(kernel)) continue;
            compared.Add(kernel);
            var dxRef = new Tensor(batch, inF);
            var dwRef = new Tensor(outF, inF);
            Gemm.Multiply(dy, false, w, false, dxRef, kernel: kernel, epilogue: new GemmEpilogue { Mask = mask ? x.Data : null });
            Gemm.Multiply(dy, true, x, false, dwRef, kernel: kernel);
            foreach (int threads in new[] { 1, 2 })
            {
                using var scope = Compute.UseThreads(threads);
                var dx = new Tensor(batch, inF);
                var dw = new Tensor(outF, inF);
                new OwnedBackward().Run(x, dy, w, dw, dx, mask ? x.Data : null, split, kernel);
                Assert.True(Bits(dxRef.Data).SequenceEqual(Bits(dx.Data)), $"dx differs: {kernel}, {threads} thread(s)");
                Assert.True(Bits(dwRef.Data).SequenceEqual(Bits(dw.Data)), $"dW differs: {kernel}, {threads} thread(s)");
            }
        }
        Assert.Contains(GemmKernels.Default, compared); // at least the kernel training uses was compared
        // Against a naive double sum, so that both ways being wrong in the same way fails too.
        var dxCheck = new Tensor(batch, inF);
        new OwnedBackward().Run(x, dy, w, new Tensor(outF, inF), dxCheck, mask ? x.Data : null, split);
        if (mask) Assert.Contains(dxCheck.Data, v => v == 0f);
        for (int i = 0; i < batch; i += Math.Max(1, batch / 5))
            for (int j = 0; j < inF; j += Math.Max(1, inF / 7))
            {
                double s = 0;
                for (int o = 0; o < outF; o++) s += (double)dy[i, o] * w[o, j];
                if (mask && !(x[i, j] > 0f)) s = 0;
                Assert.True(Math.Abs(s - dxCheck[i, j]) <= 1e-4 * (1 + Math.Abs(s)), $"dx[{i},{j}] = {dxCheck[i, j]}, a double sum gives {s}");
            }
    }

    [Fact]
    public void TheNaiveKernelAndAWrongSplitAreRefused()
    {
        var w = Batch(300, 10, 1);
        var x = Batch(4, 10, 2);
        var dy = Batch(4, 300, 3);
        Assert.Throws<ArgumentException>(() => new OwnedBackward().Run(x, dy, w, new Tensor(300, 10), new Tensor(4, 10), null, 152, GemmKernel.Naive));
        Assert.Throws<ArgumentException>(() => new OwnedBackward().Run(x, dy, w, new Tensor(300, 10), new Tensor(4, 10), null, 150));
    }

    [Fact]
    public void ALayerOnTwoThreadsGivesTheSameNumbersAsOnOneTwoAndThreeThreadsTheOtherWay()
    {
        // Two batch sizes on the same layers: the second buffer, sized for 120 rows, then serves 100.
        var owned = NewLinear(96, 512, 7);
        foreach (int batch in new[] { 120, 100 })
        {
            var x = Batch(batch, 96, 8 + (ulong)batch);
            var dy = Batch(batch, 512, 9 + (ulong)batch);
            long before = owned.OwnedPasses;
            int[] dx, dw;
            using (Compute.UseThreads(2))
            {
                owned.Forward(x);
                dx = Bits(owned.Backward(dy, needInputGrad: true, maskByInput: true)!.Data);
                dw = Bits(owned.Weight.Grad.Data);
            }
            Assert.Equal(before + 1, owned.OwnedPasses);
            foreach (int threads in new[] { 1, 2, 3 })
            {
                var plain = NewLinear(96, 512, 7);
                plain.UseOwnedBackward = false;
                using var scope = Compute.UseThreads(threads);
                plain.Forward(x);
                Assert.Equal(dx, Bits(plain.Backward(dy, needInputGrad: true, maskByInput: true)!.Data));
                Assert.Equal(dw, Bits(plain.Weight.Grad.Data));
                Assert.Equal(0, plain.OwnedPasses);
            }
        }
    }

    [Theory]
    [InlineData(256, 128)]
    [InlineData(512, 256)]
    [InlineData(100, 64)]
    [InlineData(300, 160)]
    public void TheGradientSplitsWhereTheForwardPassDoes(int units, int split) => Assert.Equal(split, OwnedGradient.SplitOf(units));

    [Theory]
    [InlineData(784, 256, 100)]
    [InlineData(64, 100, 50)]
    [InlineData(33, 300, 300)]   // a batch of 300: the gradient's inner size in two k blocks
    public void AFirstLayersGradientOnTwoThreadsIsTheOneCallsOnOneTwoAndThreeThreads(int inF, int outF, int batch)
    {
        var x = Batch(batch, inF, 8);
        var dy = Batch(batch, outF, 9);
        var owned = NewLinear(inF, outF, 7);
        int[] dw;
        using (Compute.UseThreads(2))
        {
            owned.Forward(x);
            Assert.Null(owned.Backward(dy, needInputGrad: false));
            dw = Bits(owned.Weight.Grad.Data);
        }
        Assert.Equal(1, owned.OwnedPasses);
        foreach (int threads in new[] { 1, 2, 3 })
        {
            var plain = NewLinear(inF, outF, 7);
            plain.UseOwnedBackward = false;
            using var scope = Compute.UseThreads(threads);
            plain.Forward(x);
            plain.Backward(dy, needInputGrad: false);
            Assert.Equal(dw, Bits(plain.Weight.Grad.Data));
        }
        for (int o = 0; o < outF; o += Math.Max(1, outF / 6))
            for (int i = 0; i < inF; i += Math.Max(1, inF / 6))
            {
                double s = 0;
                for (int b = 0; b < batch; b++) s += (double)dy[b, o] * x[b, i];
                float v = BitConverter.Int32BitsToSingle(dw[o * inF + i]);
                Assert.True(Math.Abs(s - v) <= 1e-4 * (1 + Math.Abs(s)), $"dW[{o},{i}] = {v}, a double sum gives {s}");
            }
    }

    [Fact]
    public void AnEmptyBatchTakesTheOneCallPath()
    {
        var l = NewLinear(40, 300, 1);
        using var scope = Compute.UseThreads(2);
        var x = new Tensor(0, 40);
        l.Forward(x);
        var dx = l.Backward(new Tensor(0, 300), needInputGrad: true, maskByInput: true)!;
        Assert.Equal(0, dx.Rows);
        Assert.Equal(0, l.OwnedPasses);
        Assert.All(l.Weight.Grad.Data, v => Assert.Equal(0f, v));
    }

    [Fact]
    public void TrainingThroughOwnedLayersGivesTheSameWeights()
    {
        // 20-300-300-300-4 with Tanh, then ReLUs, and Adam: the second and third Linear layers'
        // backward passes go by halves, the second without a mask (its input is a Tanh's) and the
        // third with the ReLU mask fused; the first computes no dx (its gradient goes by halves
        // of its units), the last has 4 units.
        Sequential Model(bool owned)
        {
            var layers = new Layer[] { NewLinear(20, 300, 1), new Tanh(), NewLinear(300, 300, 2), new Relu(), NewLinear(300, 300, 3), new Relu(), NewLinear(300, 4, 4) };
            foreach (var l in layers.OfType<Linear>()) l.UseOwnedBackward = owned;
            return new Sequential(layers);
        }
        var loss = new CrossEntropyLoss();
        float[][] Train(Sequential m, int threads)
        {
            using var scope = Compute.UseThreads(threads);
            var adam = new Adam(m.Parameters);
            for (int step = 0; step < 4; step++)
            {
                var x = Batch(50, 20, 100 + (ulong)step);
                int[] labels = Enumerable.Range(0, 50).Select(i => (i * 7 + step) % 4).ToArray();
                loss.Forward(m.Forward(x), labels);
                m.Backward(loss.Gradient, needInputGrad: false);
                adam.Step();
            }
            return m.Parameters.Select(p => p.Value.Data.ToArray()).ToArray();
        }
        var model = Model(true);
        var trained = Train(model, 2);
        Assert.Equal(4, ((Linear)model.Layers[0]).OwnedPasses);   // the gradient only (OwnedGradient)
        Assert.Equal(4, ((Linear)model.Layers[2]).OwnedPasses);
        Assert.Equal(4, ((Linear)model.Layers[4]).OwnedPasses);
        foreach (int threads in new[] { 1, 2, 3 })
        {
            var reference = Train(Model(false), threads);
            for (int k = 0; k < trained.Length; k++) Assert.Equal(Bits(reference[k]), Bits(trained[k]));
        }
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
        l.Backward(dy, needInputGrad: false);
        // A collection during the measured calls shifts the per-thread count by an allocation
        // quantum (see TrainerTests): start from a fresh gen-0 budget.
        GC.Collect();
        GC.WaitForPendingFinalizers();
        long before = GC.GetAllocatedBytesForCurrentThread();
        l.Forward(x);
        l.Backward(dy, needInputGrad: true, maskByInput: true);
        l.Backward(dy, needInputGrad: false);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.True(allocated == 0, $"a forward and two backward passes allocated {allocated} bytes");
        Assert.Equal(4, l.OwnedPasses);
    }
}
