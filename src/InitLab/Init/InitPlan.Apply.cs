using InitLab.Dbn;
using InitLab.Nn;
using InitLab.Random;
using InitLab.Training;

namespace InitLab.Init;

public sealed partial class InitPlan
{
    /// <summary>
    /// Initializes <paramref name="network"/>'s Linear layers in order: each weight from its spec
    /// (drawing from <paramref name="generator"/> in PyTorch's order; <c>default</c> keeps what the
    /// constructor drew), each bias by the bias rule, then LSUV's rescaling or DBN pretraining on
    /// the training data in <paramref name="context"/>. Checks every rule before the first draw.
    /// </summary>
    public void Apply(Sequential network, TorchGenerator generator, InitContext? context = null)
    {
        var linears = network.Flatten().OfType<Linear>().ToList();
        if (linears.Count == 0) throw new ArgumentException("The network has no Linear layer to initialize.");
        CheckWholeNetwork(network, context);
        var only = _weights[0];
        var dbn = only.IsDbn ? DbnOptions.Of(only) : null;
        for (int i = 0; i < linears.Count; i++)
        {
            var spec = ForLayer(i, linears.Count);
            // DBN's hidden layers keep the constructor's draws until the RBMs replace them.
            if (dbn is not null) spec = i + 1 < linears.Count ? null : dbn.Top;
            if (spec is { IsCritical: true }) spec = CriticalInit.Resolve(spec, network, linears[i], BiasForLayer(i, linears.Count));
            if (spec is { IsTorchDefault: false }) spec.Apply(linears[i].Weight.Value, generator);
        }
        // Normal biases are drawn after every weight, first layer first, each bias vector in one
        // normal_ call: the weights' draws stay those of the same --init with any other bias rule.
        for (int i = 0; i < linears.Count; i++)
        {
            var l = linears[i];
            if (l.Bias is null) continue;
            var bias = BiasForLayer(i, linears.Count);
            if (bias.Kind == BiasKind.Zeros) l.Bias.Value.Span.Clear();
            else if (bias.Kind == BiasKind.Constant) l.Bias.Value.Span.Fill(bias.Value);
            else if (bias.Kind == BiasKind.Normal) generator.Normal(l.Bias.Value.Span, 0, bias.Value);
        }
        ApplyResidualRules(network, only.Name, linears);
        if (only.IsLsuv)
        {
            var o = LsuvOptions.Of(only);
            global::InitLab.Init.Lsuv.Apply(network, DataBatch.First(context!.Train!, o.BatchSize).X, o.Tolerance, o.MaxIterations);
        }
        if (dbn is not null) PretrainDbn(linears, dbn, context!, generator);
    }

    /// <summary>
    /// What fixup, skipinit/rezero and zero-hadamard do beyond filling each weight: they act on the
    /// residual blocks (and fixup on the output layer), after every weight has been drawn, the way
    /// a script would adjust a network it has just initialized.
    /// </summary>
    private static void ApplyResidualRules(Sequential network, string name, List<Linear> linears)
    {
        var blocks = network.Flatten().OfType<ResidualBlock>().ToList();
        if (name == "skipinit")
            foreach (var b in blocks) b.Alpha?.Value.Span.Clear();
        if (name is not ("fixup" or "zero-hadamard")) return;
        float scale = blocks.Count == 0 ? 1f : (float)Math.Pow(blocks.Count, -0.5);
        foreach (var b in blocks)
        {
            var inner = b.Branch.Layers.OfType<Linear>().ToList();
            if (name == "fixup")
            {
                foreach (var l in inner.Take(inner.Count - 1)) System.Numerics.Tensors.TensorPrimitives.Multiply(l.Weight.Value.Data, scale, l.Weight.Value.Data);
                // The paper's scalar biases start at 0 (here each branch Linear's own bias holds
                // them) and its scalar multiplier at 1 (the block's α, which the constructor set).
                foreach (var l in inner) l.Bias?.Value.Span.Clear();
            }
            inner[^1].Weight.Value.Span.Clear();
        }
        if (name == "fixup")
        {
            linears[^1].Weight.Value.Span.Clear();
            linears[^1].Bias?.Value.Span.Clear();
        }
    }

    private void CheckWholeNetwork(Sequential network, InitContext? context)
    {
        if (!NeedsData) return;
        if (_weights.Length != 1)
            throw new FormatException("lsuv and dbn initialize the whole network; they cannot be mixed with other initializers.");
        if (context?.Train is null) throw new ArgumentException($"{_weights[0].Name} needs the training data.");
        // LSUV and DBN walk a plain Linear/activation stack; normalization, dropout (which would
        // draw from the generator while they look at the data) and residual blocks are not handled.
        if (network.Flatten().Any(l => l is BatchNorm1d or LayerNorm or Dropout or ResidualBlock))
            throw new FormatException($"{_weights[0].Name} initializes plain networks only; it cannot be combined with --dropout, --norm or --residual.");
        if (_weights[0].IsDbn && network.Flatten().OfType<Activation>().Any(a => a is not Sigmoid))
            throw new FormatException("dbn pretrains sigmoid layers; use --activation sigmoid.");
        // LSUV sets every bias to 0 and DBN takes the hidden biases from its RBMs: a --bias other
        // than auto would be overwritten, and reports would name biases the network does not have.
        if (Bias.Kind != BiasKind.Auto)
            throw new FormatException($"{_weights[0].Name} sets the biases itself; --bias {Bias} cannot be combined with it (leave --bias at auto).");
    }

    private static void PretrainDbn(List<Linear> linears, DbnOptions dbn, InitContext context, TorchGenerator generator)
    {
        // The RBMs' own randomness follows from the network's generator, so one seed fixes the run.
        var options = dbn.ToRbmOptions(generator.Random64());
        var train = DataBatch.First(context.Train!, context.Train!.Count).X;
        var held = context.HeldOut is { } h ? DataBatch.First(h, Math.Min(h.Count, options.MonitorRows)).X : null;
        int[] visible = [linears[0].InFeatures, .. linears.Take(linears.Count - 1).Select(l => l.OutFeatures)];
        var rbms = DeepBeliefNetwork.Pretrain(visible, train, held, options, context.RbmProgress, context.Cancel);
        DeepBeliefNetwork.Unroll(rbms, linears);
    }
}
