using InitLab.Tensors;

namespace InitLab.Nn;

/// <summary>Layers applied in order; backward runs them in reverse.</summary>
public sealed class Sequential : Layer
{
    private readonly Layer[] _layers;
    private readonly Parameter[] _parameters;

    public Sequential(params Layer[] layers)
    {
        _layers = layers;
        _parameters = layers.SelectMany(l => l.Parameters).ToArray();
        FuseReluIntoLinears();
    }

    /// <summary>
    /// Linear then ReLU: the ReLU runs inside the Linear's GEMM, and its backward inside the next
    /// Linear's input-gradient GEMM (as a mask). Same numbers, two passes over memory fewer.
    /// </summary>
    private void FuseReluIntoLinears()
    {
        for (int i = 0; i + 1 < _layers.Length; i++)
        {
            if (_layers[i] is not Linear linear || _layers[i + 1] is not Relu relu) continue;
            if (relu.FusedForward || relu.FusedBackward || linear.FuseRelu) continue; // already in another Sequential
            linear.FuseRelu = true;
            relu.FusedForward = true;
            if (i + 2 < _layers.Length && _layers[i + 2] is Linear next && !next.MaskInputGradient)
            {
                next.MaskInputGradient = true;
                relu.FusedBackward = true;
            }
        }
    }

    public IReadOnlyList<Layer> Layers => _layers;
    public override IReadOnlyList<Parameter> Parameters => _parameters;

    /// <summary>Sets the GEMM thread count of every layer.</summary>
    public void SetThreads(int threads)
    {
        Threads = threads;
        foreach (var l in _layers) l.Threads = threads;
    }

    public override int OutputFeatures(int inputFeatures)
    {
        int f = inputFeatures;
        foreach (var l in _layers) f = l.OutputFeatures(f);
        return f;
    }

    public override Tensor Forward(Tensor x)
    {
        foreach (var l in _layers) x = l.Forward(x);
        return x;
    }

    /// <summary>Backpropagates; the first layer skips its input gradient unless it is asked for.</summary>
    public override Tensor? Backward(Tensor gradOutput, bool needInputGrad = true)
    {
        Tensor? g = gradOutput;
        for (int i = _layers.Length - 1; i >= 0; i--)
            g = _layers[i].Backward(g!, needInputGrad || i > 0);
        return g;
    }

    public override string ToString() =>
        "Sequential(\n" + string.Join("\n", _layers.Select((l, i) => $"  ({i}): {l}")) + "\n)";
}
