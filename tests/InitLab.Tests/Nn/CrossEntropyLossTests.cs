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

    /// <summary>
    /// The loss takes exp over the whole batch in one call (4 or more classes): bit for bit what
    /// the row-by-row computation gives, with every TensorPrimitives call on one row (the
    /// implementation before, kept here as the reference), for class counts on both sides of the
    /// 4-value vector threshold and batch sizes from 1 to more than 16 values per call.
    /// </summary>
    [Theory]
    [InlineData(1, 10)]
    [InlineData(7, 2)]
    [InlineData(33, 3)]
    [InlineData(100, 4)]
    [InlineData(100, 5)]
    [InlineData(100, 10)]
    [InlineData(9, 17)]
    [InlineData(64, 100)]
    public void IsBitForBitTheRowByRowComputation(int rows, int classes)
    {
        for (int seed = 0; seed < 20; seed++)
        {
            var (logits, targets) = Batch(rows, classes, seed);
            float scale = MathF.Pow(10, seed % 5 - 2);
            for (int i = 0; i < logits.Data.Length; i++) logits.Data[i] *= scale;
            // Edge values for the row maximum: a NaN (that row's loss and gradient are then NaN),
            // infinities, and a row of zeros of both signs; the same bits as the reference still.
            if (seed == 17) logits.Data[logits.Data.Length / 2] = float.NaN;
            if (seed == 18) (logits.Data[0], logits.Data[^1]) = (float.PositiveInfinity, float.NegativeInfinity);
            if (seed == 19)
                for (int j = 0; j < classes; j++) logits.Data[j] = j % 2 == 0 ? -0f : 0f;
            var grad = new Tensor(rows, classes);
            double total = 0;
            float invB = 1f / rows;
            for (int i = 0; i < rows; i++)
            {
                var row = logits.Row(i);
                var g = grad.Row(i);
                float max = System.Numerics.Tensors.TensorPrimitives.Max(row);
                System.Numerics.Tensors.TensorPrimitives.Subtract(row, max, g);
                System.Numerics.Tensors.TensorPrimitives.Exp(g, g);
                float sum = System.Numerics.Tensors.TensorPrimitives.Sum(g);
                total += max + MathF.Log(sum) - row[targets[i]];
                System.Numerics.Tensors.TensorPrimitives.Multiply(g, invB / sum, g);
                g[targets[i]] -= invB;
            }
            var loss = new CrossEntropyLoss();
            float value = loss.Forward(logits, targets);
            Assert.Equal(BitConverter.SingleToInt32Bits((float)(total / rows)), BitConverter.SingleToInt32Bits(value));
            for (int i = 0; i < grad.Data.Length; i++)
                Assert.True(BitConverter.SingleToInt32Bits(grad.Data[i]) == BitConverter.SingleToInt32Bits(loss.Gradient.Data[i]),
                    $"seed {seed}: gradient value {i} is {loss.Gradient.Data[i]}, row by row {grad.Data[i]}");
        }
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

    /// <summary>
    /// The row maximum the loss shifts by is TensorPrimitives.Max bit for bit where a naive
    /// comparison loop is not: signed zeros in either order and a NaN anywhere in the row
    /// (x &gt; max skips a NaN that comes second, and keeps -0 before +0).
    /// </summary>
    [Fact]
    public void TheRowMaximumIsTensorPrimitivesMaxBitForBit()
    {
        float[][] rows =
        [
            [-0f, 0f], [0f, -0f], [-0f, -0f, -0f], [1f, float.NaN, 2f], [float.NaN, 1f], [3f, 2f, float.NaN],
            [float.NegativeInfinity, -0f, float.NegativeInfinity], [-5f],
            [1f, 2f, 3f, 4f, 5f, 6f, 7f, 8f, 9f, -0f, 0f, float.NaN, 10f, 11f, 12f, 13f, 14f],
        ];
        foreach (var row in rows)
        {
            float expected = System.Numerics.Tensors.TensorPrimitives.Max(row);
            Assert.True(BitConverter.SingleToInt32Bits(expected) == BitConverter.SingleToInt32Bits(CrossEntropyLoss.RowMax(row)),
                $"[{string.Join(", ", row)}]: {CrossEntropyLoss.RowMax(row)} against TensorPrimitives.Max's {expected}");
        }
    }

    [Fact]
    public void LogitsWithNoClassesAreRefusedBeforeTheTargetsAreRead()
    {
        // No classes: the error says so, whatever the targets hold (every target would also be
        // "outside [0, 0)", a message that hides the cause).
        var e = Assert.Throws<ArgumentException>(() => new CrossEntropyLoss().Forward(new Tensor(3, 0), [0, 1, 2]));
        Assert.Contains("no classes", e.Message);
    }
}
