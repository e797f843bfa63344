using InitLab.Init;
using InitLab.Models;
using InitLab.Nn;
using InitLab.Random;
using InitLab.Tensors;

namespace InitLab.Tests.Init;

/// <summary>fixup, skipinit/rezero and zero-hadamard (ZerO) on residual MLPs: exact hand-worked values.</summary>
public class ResidualInitTests
{
    private static Sequential Net(string init, int blocks, ulong seed = 3) =>
        Mlp.Create([12, 8, 4], "relu", InitPlan.Parse(init), new TorchGenerator(seed),
            new MlpOptions { Residual = blocks, ResidualGain = InitPlan.Parse(init).NeedsResidualGain });

    [Fact]
    public void FixupScalesEachBranchsFirstLayerZeroesItsLastAndTheOutputLayer()
    {
        var fixup = Net("fixup", blocks: 4);
        // The same draws without Fixup's adjustments: He normal (relu, fan_in) on every Linear.
        var he = Net("kaiming-normal:nonlinearity=relu", blocks: 4);
        var fl = fixup.Flatten().OfType<Linear>().ToList();
        var hl = he.Flatten().OfType<Linear>().ToList();
        Assert.Equal(hl[0].Weight.Value.Data, fl[0].Weight.Value.Data);
        for (int b = 0; b < 4; b++)
        {
            var first = fl[1 + 2 * b].Weight.Value.Data; var expected = hl[1 + 2 * b].Weight.Value.Data;
            for (int i = 0; i < first.Length; i++) Assert.Equal(expected[i] * 0.5f, first[i]); // 4^(-1/2)
            Assert.All(fl[2 + 2 * b].Weight.Value.Data, v => Assert.Equal(0f, v));
            Assert.All(fl[1 + 2 * b].Bias!.Value.Data, v => Assert.Equal(0f, v));   // the paper's scalar biases start at 0
            Assert.All(fl[2 + 2 * b].Bias!.Value.Data, v => Assert.Equal(0f, v));
        }
        // The paper's scalar multiplier: a learnable α = 1 on every branch.
        Assert.All(fixup.Layers.OfType<ResidualBlock>(), blk => Assert.Equal(1f, blk.Alpha!.Value.Data[0]));
        Assert.Equal(4, fixup.Layers.OfType<ResidualBlock>().Count());
        Assert.All(fl[^1].Weight.Value.Data, v => Assert.Equal(0f, v));
        Assert.All(fl[^1].Bias!.Value.Data, v => Assert.Equal(0f, v));
    }

    [Theory]
    [InlineData(NormKind.Batch)]
    [InlineData(NormKind.Layer)]
    public void ZeroGammaStartsEachBlocksLastNormAtZeroAndDrawsNothingElse(NormKind norm)
    {
        var plan = InitPlan.Parse("he-normal");
        var zero = Mlp.Create([12, 8, 4], "relu", plan, new TorchGenerator(3), new MlpOptions { Norm = norm, Residual = 3, ZeroGamma = true });
        var ones = Mlp.Create([12, 8, 4], "relu", plan, new TorchGenerator(3), new MlpOptions { Norm = norm, Residual = 3 });
        // The same Linear weights (setting γ draws nothing) ...
        Assert.Equal(ones.Flatten().OfType<Linear>().Select(l => l.Weight.Value.Data), zero.Flatten().OfType<Linear>().Select(l => l.Weight.Value.Data));
        // ... γ = 0 in each block's last norm only; β = 0 and the other norms' γ = 1, as PyTorch constructs them.
        foreach (var block in zero.Layers.OfType<ResidualBlock>())
        {
            var norms = block.Branch.Layers.Where(l => l is BatchNorm1d or LayerNorm).ToList();
            Assert.Equal(2, norms.Count);
            Assert.All(norms[0].Parameters[0].Value.Data, v => Assert.Equal(1f, v));
            Assert.All(norms[1].Parameters[0].Value.Data, v => Assert.Equal(0f, v));
            Assert.All(norms[1].Parameters[1].Value.Data, v => Assert.Equal(0f, v));
        }
        Assert.All(zero.Layers.Where(l => l is BatchNorm1d or LayerNorm), n => Assert.All(n.Parameters[0].Value.Data, v => Assert.Equal(1f, v)));
        // So every block starts as the identity, in training mode too (batch statistics).
        var x = new Tensor(6, 12);
        new TorchGenerator(1).Normal(x.Data, 0, 1);
        var h = zero.Layers[2].Forward(zero.Layers[1].Forward(zero.Layers[0].Forward(x))).Clone();
        var blocks = zero.Layers.OfType<ResidualBlock>().ToList();
        Assert.Equal(h.Data, blocks[2].Forward(blocks[1].Forward(blocks[0].Forward(h)).Clone()).Data);
        // γ still learns: its gradient is Σ dy·x̂, not zero.
        var dy = new Tensor(6, 8);
        new TorchGenerator(2).Normal(dy.Data, 0, 1);   // not constant: BatchNorm's x̂ sums to 0 over the batch
        blocks[0].Forward(h);
        blocks[0].Backward(dy);
        var lastNorm = blocks[0].Branch.Layers.Last();
        Assert.Contains(lastNorm.Parameters[0].Grad.Data, g => g != 0f);
    }

    [Theory]
    [InlineData("skipinit")]
    [InlineData("rezero")]
    public void SkipInitAndReZeroStartEveryBlockAsTheIdentity(string init)
    {
        var net = Net(init, blocks: 3);
        var blocks = net.Layers.OfType<ResidualBlock>().ToList();
        Assert.Equal(3, blocks.Count);
        Assert.All(blocks, b => Assert.Equal(0f, b.Alpha!.Value.Data[0]));
        var x = new Tensor(5, 12);
        new TorchGenerator(1).Normal(x.Data, 0, 1);
        var h = net.Layers[1].Forward(net.Layers[0].Forward(x)).Clone();
        Assert.Equal(h.Data, blocks[^1].Forward(blocks[0].Forward(h)).Data);
        // The gain still learns: its gradient is Σ dy·branch(x), not zero.
        var dy = new Tensor(5, 8);
        dy.Span.Fill(1f);
        blocks[0].Forward(h);
        blocks[0].Backward(dy);
        Assert.NotEqual(0f, blocks[0].Alpha!.Grad.Data[0]);
    }

    [Fact]
    public void ZerOIsDeterministicIdentityOrHadamardAndZeroesBranchEnds()
    {
        var a = Net("zero-hadamard", blocks: 2, seed: 1);
        var b = Net("zero-hadamard", blocks: 2, seed: 99);
        var la = a.Flatten().OfType<Linear>().ToList();
        Assert.Equal(la.Select(l => l.Weight.Value.Data), b.Flatten().OfType<Linear>().Select(l => l.Weight.Value.Data));
        // 12 -> 8: m = ceil(log2 12) = 4, c = 2^(-3/2); H[i, j] = (-1)^popcount(i & j).
        float c = (float)Math.Pow(2, -1.5);
        var w = la[0].Weight.Value;
        Assert.Equal(c, w[0, 0]);
        Assert.Equal(c, w[1, 2]);
        Assert.Equal(-c, w[3, 1]);
        Assert.Equal(c, w[7, 11]);  // 7 & 11 = 3: two bits
        Assert.Equal(-c, w[7, 4]);  // 7 & 4 = 4: one bit
        Assert.Equal(c, w[5, 10]);  // 5 & 10 = 0
        // Square inner layers are the identity; the branches' last layers are zero.
        var eye = new Tensor(8, 8);
        Initializers.Eye(eye);
        Assert.Equal(eye.Data, la[1].Weight.Value.Data);
        Assert.All(la[2].Weight.Value.Data, v => Assert.Equal(0f, v));
        Assert.All(la[4].Weight.Value.Data, v => Assert.Equal(0f, v));
        // "zero" is still plain zeros, as before.
        Assert.Equal("zeros", InitSpec.Parse("zero").Name);
    }
}
