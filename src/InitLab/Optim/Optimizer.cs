using InitLab.Nn;
using InitLab.Tensors;

namespace InitLab.Optim;

/// <summary>Updates parameters from their gradients, one <see cref="Step"/> per mini-batch.</summary>
public abstract class Optimizer
{
    /// <summary>An optimizer over <paramref name="parameters"/> (updated in place) with step size <paramref name="learningRate"/> (&gt;= 0).</summary>
    protected Optimizer(IReadOnlyList<Parameter> parameters, double learningRate)
    {
        if (!(learningRate >= 0)) throw new ArgumentOutOfRangeException(nameof(learningRate), $"Learning rate must be >= 0, got {learningRate}.");
        Parameters = parameters;
        LearningRate = learningRate;
    }

    /// <summary>The parameters updated by <see cref="Step"/>; index k names their state buffers "k.…".</summary>
    public IReadOnlyList<Parameter> Parameters { get; }

    /// <summary>The learning rate (may be changed between steps by a schedule).</summary>
    public double LearningRate { get; set; }

    /// <summary>
    /// Applies one update using the gradients currently in each parameter's Grad. An optimizer
    /// that <see cref="StepsInParts"/> needs no override: the step is <see cref="BeginStep"/> then
    /// <see cref="EndStep"/>. One that does not must override it.
    /// </summary>
    public virtual void Step()
    {
        BeginStep();
        EndStep();
    }

    private bool[]? _updated;
    private bool _inStep;

    /// <summary>
    /// True when the optimizer can take a step in parts (<see cref="BeginStep"/>,
    /// <see cref="Update"/>, <see cref="EndStep"/>) with the numbers <see cref="Step"/> gives:
    /// Adam's and SGD's updates are elementwise, so they are.
    /// </summary>
    public virtual bool StepsInParts => false;

    /// <summary>
    /// Starts a step taken in parts: then <see cref="Update"/> for parameters as soon as their
    /// gradients are final (a trainer updates each layer's parameters as backpropagation leaves
    /// the layer, while they are still in cache), then <see cref="EndStep"/>, which updates the
    /// parameters not updated yet. Bit for bit what <see cref="Step"/> does.
    /// </summary>
    public void BeginStep()
    {
        if (!StepsInParts) throw new NotSupportedException($"{GetType().Name} takes whole steps only.");
        if (_inStep) throw new InvalidOperationException("BeginStep called again before EndStep.");
        _updated ??= new bool[Parameters.Count];
        Array.Clear(_updated);
        _inStep = true;
        OnBeginStep();
    }

    /// <summary>Updates parameters [<paramref name="first"/>, first + <paramref name="count"/>) within a step begun by <see cref="BeginStep"/>; each parameter once per step.</summary>
    public void Update(int first, int count)
    {
        if (!_inStep) throw new InvalidOperationException("Update called outside BeginStep ... EndStep.");
        if (first < 0 || count < 0 || first > Parameters.Count - count)
            throw new ArgumentOutOfRangeException(nameof(first), $"Parameters [{first}, {first + count}) are not among the {Parameters.Count}.");
        for (int k = first; k < first + count; k++)
            if (_updated![k]) throw new InvalidOperationException($"Parameter {k} updated twice in one step.");
        if (count == 0) return;
        UpdateParameters(first, count);
        for (int k = first; k < first + count; k++) _updated![k] = true;
    }

    /// <summary>
    /// Ends a step taken in parts without updating the rest, after an exception in between (the
    /// parameters updated so far stay updated): the optimizer can take steps again.
    /// </summary>
    public void AbandonStep() => _inStep = false;

    /// <summary>Refuses to capture or restore state in the middle of a step taken in parts.</summary>
    protected void ThrowIfInStep()
    {
        if (_inStep) throw new InvalidOperationException("The optimizer is in the middle of a step (BeginStep without EndStep).");
    }

    /// <summary>
    /// Runs <paramref name="job"/> over the parameters [<paramref name="first"/>, first +
    /// <paramref name="count"/>) on the compute threads, each part taking an equal slice of every
    /// parameter (<see cref="WorkerPool.PartOf"/>); on the calling thread alone below 2^15 values.
    /// </summary>
    protected void RunSliced(IParallelJob job, int first, int count)
    {
        long total = 0;
        for (int k = first; k < first + count; k++) total += Parameters[k].Value.Length;
        int threads = Compute.Threads;
        if (total < 1 << 15 || threads <= 1) job.Execute(0, 1);
        else WorkerPool.Current.Run(job, threads);
    }

    /// <summary>Updates every parameter not updated since <see cref="BeginStep"/> and ends the step.</summary>
    public void EndStep()
    {
        if (!_inStep) throw new InvalidOperationException("EndStep called without BeginStep.");
        for (int k = 0; k < Parameters.Count;)
        {
            if (_updated![k]) { k++; continue; }
            int end = k;
            while (end < Parameters.Count && !_updated[end]) _updated[end++] = true;
            UpdateParameters(k, end - k);
            k = end;
        }
        _inStep = false;
        OnEndStep();
    }

    /// <summary>What a step computes once before any parameter is updated (e.g. Adam's step count and bias corrections).</summary>
    protected virtual void OnBeginStep() { }

    /// <summary>The update of parameters [<paramref name="first"/>, first + <paramref name="count"/>) in the current step.</summary>
    protected virtual void UpdateParameters(int first, int count) =>
        throw new NotSupportedException($"{GetType().Name} takes whole steps only.");

    /// <summary>What a step does after every parameter is updated.</summary>
    protected virtual void OnEndStep() { }

    /// <summary>
    /// A copy of everything the optimizer carries from one step to the next, with the names
    /// torch.optim's state_dict uses ("0.exp_avg", "1.momentum_buffer", ...: parameter index, then
    /// the buffer's name).
    /// </summary>
    public abstract OptimizerState CaptureState();

    /// <summary>Restores a <see cref="CaptureState"/> copy; names and lengths must match this optimizer's parameters.</summary>
    public abstract void RestoreState(OptimizerState state);

    /// <summary>Copies the buffer <c>{k}.{name}</c> of every parameter k out of <paramref name="state"/>, checking each length.</summary>
    protected void RestoreBuffers(OptimizerState state, string name, float[][] into)
    {
        var expected = new HashSet<string>();
        for (int k = 0; k < into.Length; k++)
        {
            string key = $"{k}.{name}";
            expected.Add(key);
            if (!state.Buffers.TryGetValue(key, out var values)) throw new ArgumentException($"optimizer state has no '{key}'.");
            if (values.Length != into[k].Length) throw new ArgumentException($"optimizer state '{key}' has {values.Length} values but parameter {k} has {into[k].Length}.");
            values.CopyTo(into[k], 0);
        }
        if (state.Buffers.Keys.FirstOrDefault(key => !expected.Contains(key)) is { } extra)
            throw new ArgumentException($"optimizer state '{extra}' does not belong to this {GetType().Name} of {into.Length} parameters.");
    }

    /// <summary>Copies of every parameter's buffer, named <c>{k}.{name}</c>.</summary>
    protected static IEnumerable<KeyValuePair<string, float[]>> CopyBuffers(string name, float[][] buffers) =>
        buffers.Select((b, k) => KeyValuePair.Create($"{k}.{name}", (float[])b.Clone()));

    /// <summary>Rejects a negative or NaN hyperparameter, naming it.</summary>
    private protected static void CheckNonNegative(double value, string name)
    {
        if (!(value >= 0)) throw new ArgumentOutOfRangeException(name, $"{name} must be >= 0, got {value}.");
    }
}

/// <summary>An optimizer's state: its step count and its per-parameter buffers by name ("0.exp_avg", ...).</summary>
/// <param name="Step">Updates done so far (Adam's t).</param>
/// <param name="Buffers">Per-parameter buffers by torch.optim state_dict name, e.g. "0.exp_avg".</param>
public sealed record OptimizerState(long Step, IReadOnlyDictionary<string, float[]> Buffers);

/// <summary>Optimizers by name, as the command line and the sweeps choose them.</summary>
public static class Optimizers
{
    /// <summary>The names <see cref="Create"/> knows.</summary>
    public const string Names = "adam, adamw or sgd";

    /// <summary>The name in lower case; a FormatException naming the choices unless it is one of them.</summary>
    public static string Check(string name)
    {
        string n = name.ToLowerInvariant();
        return n is "adam" or "adamw" or "sgd" ? n : throw new FormatException($"Optimizer '{name}' is not known; use {Names}.");
    }

    /// <summary>
    /// torch.optim's Adam, AdamW or SGD. <paramref name="weightDecay"/> null means each one's
    /// PyTorch default (0, 0.01 for AdamW); momentum and Nesterov apply to SGD only.
    /// </summary>
    public static Optimizer Create(string name, IReadOnlyList<Parameter> parameters, double learningRate,
        double momentum = 0, double? weightDecay = null, bool nesterov = false)
    {
        return Check(name) switch
        {
            "adam" => new Adam(parameters, learningRate, weightDecay: weightDecay ?? 0),
            "adamw" => Adam.AdamW(parameters, learningRate, weightDecay: weightDecay ?? 0.01),
            _ => new Sgd(parameters, learningRate, momentum, weightDecay: weightDecay ?? 0, nesterov: nesterov),
        };
    }
}
