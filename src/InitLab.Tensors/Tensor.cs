namespace InitLab.Tensors;

/// <summary>
/// A dense, row-major float32 tensor: a flat buffer and a shape. Rank 1 and 2 are what the
/// engine uses; a 2-D tensor is (rows, cols) and row i occupies Data[i*cols .. (i+1)*cols).
/// </summary>
public sealed class Tensor
{
    /// <summary>The flat row-major buffer; its length is exactly <see cref="Length"/>.</summary>
    public float[] Data { get; }

    /// <summary>The dimensions, outermost first.</summary>
    public int[] Shape { get; }

    /// <summary>
    /// Where this tensor's zeros are expected to lie (a hint; none by default): set on a batch of
    /// images (background pixels), a ReLU's output and a gradient masked by one. A GEMM then
    /// leaves out the steps that are all zero (<see cref="Gemm.ZerosOf"/>; the same bits as the
    /// full product for finite operands).
    /// </summary>
    internal ZeroHint Zeros { get; set; }

    /// <summary>Number of elements (the product of the shape).</summary>
    public int Length => Data.Length;

    /// <summary>A zero-filled tensor of <paramref name="shape"/> (e.g. (rows, cols)); dimensions must be non-negative.</summary>
    public Tensor(params int[] shape)
    {
        ArgumentNullException.ThrowIfNull(shape);
        Shape = (int[])shape.Clone();
        Data = new float[CheckedLength(Shape)];
    }

    /// <summary>Wraps an existing buffer (not copied) whose length must equal the shape's product.</summary>
    public Tensor(float[] data, params int[] shape)
    {
        ArgumentNullException.ThrowIfNull(data);
        Shape = (int[])shape.Clone();
        long n = CheckedLength(Shape);
        if (n != data.Length)
            throw new ArgumentException($"Buffer holds {data.Length} floats but shape [{string.Join(", ", shape)}] needs {n}.");
        Data = data;
    }

    /// <summary>Number of dimensions: 1 for a vector, 2 for a (rows, cols) matrix.</summary>
    public int Rank => Shape.Length;

    /// <summary>Rows of a 2-D tensor (the first dimension).</summary>
    public int Rows => Shape[0];

    /// <summary>Columns of a 2-D tensor (the last dimension); a vector's length.</summary>
    public int Cols => Shape.Length == 1 ? Shape[0] : Shape[^1];

    /// <summary>The whole row-major buffer as a span, for kernels that write in place.</summary>
    public Span<float> Span => Data;

    /// <summary>Row <paramref name="i"/> of a 2-D tensor.</summary>
    public Span<float> Row(int i) => Data.AsSpan(i * Cols, Cols);

    /// <summary>A new (count, Cols) tensor holding a copy of rows [start, start + count).</summary>
    public Tensor CopyRows(int start, int count) => new(Data[(start * Cols)..((start + count) * Cols)], count, Cols);

    /// <summary>Element (row <paramref name="i"/>, column <paramref name="j"/>) of a 2-D tensor; not bounds-checked per dimension.</summary>
    public float this[int i, int j]
    {
        get => Data[i * Cols + j];
        set => Data[i * Cols + j] = value;
    }

    /// <summary>A deep copy: same shape, its own buffer.</summary>
    public Tensor Clone() => new((float[])Data.Clone(), Shape);

    /// <summary>The shape only, e.g. <c>Tensor[64x784]</c>, never the values.</summary>
    public override string ToString() => $"Tensor[{string.Join("x", Shape)}]";

    private static int CheckedLength(int[] shape)
    {
        long n = 1;
        foreach (int d in shape)
        {
            if (d < 0) throw new ArgumentException($"Negative dimension in shape [{string.Join(", ", shape)}].");
            n *= d;
            if (n > Array.MaxLength) throw new ArgumentException($"Shape [{string.Join(", ", shape)}] is too large for one buffer.");
        }
        return (int)n;
    }
}
