using InitLab.Nn;
using InitLab.Tensors;

namespace InitLab.Tests.Nn;

public class CrossEntropyLossTests
{
    private static (Tensor Logits, int[] Targets) Batch(int rows, int classes, int seed)
    {
        var r = new System.Random(seed);
        var logits = new Tensor(rows, classes);
        for (int i = 0; i < logits.Data.Length; i++) logits.Data[i] = (float)(r.NextDouble() * 20 - 10);
        var targets = new int[rows];
        for (int i = 0; i < rows; i++) targets[i] = r.Next(classes);
        return (logits, targets);
    }

    /// <summary>Oracle in double: mean of logsumexp(row) - row[target]; gradient (softmax - onehot) / rows.</summary>
    [Fact]
    public void MatchesADoublePrecisionOracle()
    {
        var (logits, targets) = Batch(100, 10, 5);
        using var compute = Compute.UseThreads(2);
        var loss = new CrossEntropyLoss();
        float value = loss.Forward(logits, targets);
        double total = 0;
        for (int i = 0; i < 100; i++)
        {
            double max = double.NegativeInfinity, sum = 0;
            for (int j = 0; j < 10; j++) max = Math.Max(max, logits[i, j]);
            for (int j = 0; j < 10; j++) sum += Math.Exp(logits[i, j] - max);
            total += max + Math.Log(sum) - logits[i, targets[i]];
            for (int j = 0; j < 10; j++)
            {
                double expected = (Math.Exp(logits[i, j] - max) / sum - (j == targets[i] ? 1 : 0)) / 100;
                Assert.True(Math.Abs(expected - loss.Gradient[i, j]) <= 1e-7, $"grad[{i},{j}] = {loss.Gradient[i, j]}, oracle {expected}");
            }
        }
        Assert.True(Math.Abs(total / 100 - value) <= 1e-5 * Math.Max(1, Math.Abs(total / 100)), $"loss {value}, oracle {total / 100}");
    }

    [Fact]
    public void ATargetOutsideTheClassesIsRefused()
    {
        var (logits, targets) = Batch(40, 4, 1);
        targets[33] = 4;
        var loss = new CrossEntropyLoss();
        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => loss.Forward(logits, targets));
        Assert.Contains("Target 4 is outside [0, 4)", ex.Message);
    }
}
