using InitLab.Nn;
using InitLab.Random;
using Tensor = InitLab.Tensors.Tensor;

namespace InitLab.Tests.Nn;

/// <summary>Layers and batches for the Nn tests: PyTorch's default Linear weights and standard normal batches, from given seeds.</summary>
internal static class NnTestData
{
    /// <summary>A Linear layer with PyTorch's default initialization drawn from <paramref name="g"/>.</summary>
    public static Linear NewLinear(int inF, int outF, TorchGenerator g)
    {
        var l = new Linear(inF, outF);
        InitLab.Init.Initializers.TorchLinearDefault(l.Weight.Value, l.Bias?.Value, g);
        return l;
    }

    /// <summary>A rows x cols batch of standard normal values.</summary>
    public static Tensor Batch(int rows, int cols, ulong seed)
    {
        var x = new Tensor(rows, cols);
        new TorchGenerator(seed).Normal(x.Span, 0, 1);
        return x;
    }
}
