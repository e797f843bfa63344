using InitLab.Tensors;

namespace InitLab.Nn;

/// <summary>
/// Layers applied in order; backward runs them in reverse.
/// <para>
/// Linear then ReLU is fused at call time: the ReLU runs inside the Linear's GEMM epilogue, and
/// when another Linear follows, the ReLU's backward runs inside that Linear's input-gradient GEMM
/// (as a mask). Same numbers as the unfused layers, two passes over memory fewer. The layers
/// themselves keep no trace of it: each one called on its own is the plain PyTorch module.
/// </para>
/// </summary>
public sealed class Sequential : Layer
{
    private readonly Layer[] _layers;
    private readonly Parameter[] _parameters, _buffers;

    /// <summary>The layers, applied in this order; their parameters are collected in the same order.</summary>
    public Sequential(params Layer[] layers)
    {
        _layers = layers;
        _parameters = layers.SelectMany(l => l.Parameters).ToArray();
        _buffers = layers.SelectMany(l => l.Buffers).ToArray();
    }

    /// <summary>Every layer's buffers (BatchNorm's running statistics), in layer order.</summary>
    public override IReadOnlyList<Parameter> Buffers => _buffers;

    /// <summary>The mode of the first layer; setting it sets every layer's, as module.train()/eval() does.</summary>
    public override bool Training
    {
        get => _layers.Length == 0 || _layers[0].Training;
        set
        {
            foreach (var l in _layers) l.Training = value;
        }
    }

    /// <summary>The layers in application order; index i is the i in PyTorch's names ("{i}.weight").</summary>
    public IReadOnlyList<Layer> Layers => _layers;

    /// <summary>
    /// Every layer, depth first, including those inside residual blocks' branches (not the
    /// containers themselves): the order of PyTorch's modules(), in which a script initializing
    /// "every nn.Linear" visits them.
    /// </summary>
    public IEnumerable<Layer> Flatten()
    {
        foreach (var l in _layers)
        {
            if (l is ResidualBlock block)
            {
                yield return block;
                foreach (var inner in block.Branch.Flatten()) yield return inner;
            }
            else yield return l;
        }
    }

    /// <summary>Every layer's parameters, first layer first, each in its layer's order.</summary>
    public override IReadOnlyList<Parameter> Parameters => _parameters;

    /// <summary>The output features after every layer in turn, e.g. 10 for 784 into a 784-256-10 network.</summary>
    public override int OutputFeatures(int inputFeatures)
    {
        int f = inputFeatures;
        foreach (var l in _layers) f = l.OutputFeatures(f);
        return f;
    }

    /// <summary>x is (batch, in); returns the last layer's output, valid until the next Forward.</summary>
    public override Tensor Forward(Tensor x)
    {
        for (int i = 0; i < _layers.Length; i++)
        {
            if (ReluFollowsLinear(i + 1))
            {
                x = ((Linear)_layers[i]).Forward(x, relu: true);
                x = ((Relu)_layers[++i]).ForwardApplied(x);
            }
            else x = _layers[i].Forward(x);
        }
        return x;
    }

    /// <summary>Backpropagates; the first layer skips its input gradient unless it is asked for.</summary>
    public override Tensor? Backward(Tensor gradOutput, bool needInputGrad = true) => Backward(gradOutput, needInputGrad, null);

    /// <summary>
    /// As <see cref="Backward(Tensor, bool)"/>, calling <paramref name="layerDone"/> with each
    /// layer's index as soon as that layer's parameter gradients are final (last layer first),
    /// so a trainer can update them while they are in cache.
    /// </summary>
    public Tensor? Backward(Tensor gradOutput, bool needInputGrad, Action<int>? layerDone)
    {
        Tensor? g = gradOutput;
        for (int i = _layers.Length - 1; i >= 0; i--)
        {
            bool need = needInputGrad || i > 0;
            // Linear, ReLU, Linear: the second Linear's dx GEMM zeroes dx where the ReLU's output
            // (its input) is 0, which is the ReLU's whole backward, so the ReLU itself is skipped.
            if (_layers[i] is Linear linear && i >= 2 && ReluFollowsLinear(i - 1))
            {
                g = linear.Backward(g!, need, maskByInput: true);
                layerDone?.Invoke(i);
                i--;
            }
            else g = _layers[i].Backward(g!, need);
            layerDone?.Invoke(i);
        }
        return g;
    }

    /// <summary>Whether layer <paramref name="i"/> is a ReLU right after a Linear (and so fused into it).</summary>
    private bool ReluFollowsLinear(int i) =>
        i >= 1 && i < _layers.Length && _layers[i] is Relu && _layers[i - 1] is Linear;

    /// <summary>PyTorch's printout of an nn.Sequential: one indexed line per layer.</summary>
    public override string ToString() =>
        "Sequential(\n" + string.Join("\n", _layers.Select((l, i) => $"  ({i}): {l}")) + "\n)";
}
