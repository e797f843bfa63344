using InitLab.Data;
using InitLab.Init;
using InitLab.Models;
using InitLab.Optim;
using InitLab.Random;
using InitLab.Training;

namespace InitLab.Tests.Data;

/// <summary>The share of zero pixels a dataset reports, and the trainer's batches carrying it to the GEMM.</summary>
public class DatasetZeroShareTests
{
    [Fact]
    public void TheShareIsCountedExactly()
    {
        var pixels = new byte[3 * 4];
        for (int i = 0; i < pixels.Length; i++) pixels[i] = (byte)(i % 4 == 0 ? 0 : i);
        Assert.Equal(3f / 12f, new Dataset(pixels, [0, 1, 0], 2, 2, 2, "test").ZeroShare);
        Assert.Equal(0f, new Dataset([], [], 2, 2, 2, "empty").ZeroShare);
    }

    [Fact]
    public void TheRbmTrainerCountsTheZerosOfItsData()
    {
        Assert.Equal(0.5f, InitLab.Rbm.RbmTrainer.ZeroShareOf(new InitLab.Tensors.Tensor([0f, 1f, -0f, 0.5f], 2, 2)));
        Assert.Equal(0f, InitLab.Rbm.RbmTrainer.ZeroShareOf(new InitLab.Tensors.Tensor(0, 784)));
    }

    [Fact]
    public void TheTrainersBatchCarriesTheShare()
    {
        var r = new System.Random(3);
        int n = 200, f = 64;
        var pixels = new byte[n * f];
        for (int i = 0; i < pixels.Length; i++) pixels[i] = (byte)(i % 8 < 5 ? 0 : r.Next(1, 256));
        var data = new Dataset(pixels, [.. Enumerable.Range(0, n).Select(i => i % 3)], 8, 8, 3, "zeros");
        Assert.Equal(5f / 8f, data.ZeroShare);
        var g = new TorchGenerator(777);
        var model = Mlp.Create([f, 32, 3], "relu", InitPlan.Parse("xavier-uniform"), g, MlpOptions.Plain);
        var trainer = new Trainer(model, new Adam(model.Parameters, 0.001), g, new TrainingOptions { BatchSize = 50 });
        Assert.Null(trainer.Batch);
        trainer.RunEpoch(data, 1);
        Assert.Equal(InitLab.Tensors.ZeroHint.Columns | InitLab.Tensors.ZeroHint.RowStrips, trainer.Batch!.Zeros);
        Assert.Equal(InitLab.Tensors.ZeroHint.None, InitLab.Tensors.Gemm.ImageZeros(InitLab.Tensors.Gemm.SkipZerosFrom - 0.01f));
    }
}
