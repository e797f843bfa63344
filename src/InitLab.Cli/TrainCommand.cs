using System.CommandLine;
using System.Globalization;
using System.Text;
using InitLab.Data;
using InitLab.Init;
using InitLab.Io;
using InitLab.Models;
using InitLab.Nn;
using InitLab.Optim;
using InitLab.Random;
using InitLab.Training;

namespace InitLab.Cli;

/// <summary>`initlab train`: the general form of the seed experiment.</summary>
internal static class TrainCommand
{
    public static Command Build(Output o)
    {
        var data = new Option<string?>("--data") { Description = "Folder with the four MNIST-format files." };
        var dataset = DataSource.DatasetOption();
        var layers = new Option<string>("--layers") { Description = "Layer sizes, input first.", DefaultValueFactory = _ => "784,256,256,10" };
        var activation = new Option<string>("--activation") { Description = $"{Activations.Choices}.", DefaultValueFactory = _ => "relu" };
        var init = new Option<string>("--init") { Description = "Weight initializer: NAME or NAME:key=value,...; several joined by | give one per layer. 'initlab inits' lists them.", DefaultValueFactory = _ => "xavier-uniform" };
        var bias = new Option<string>("--bias") { Description = "Bias initializer: " + BiasInit.Choices + ".", DefaultValueFactory = _ => "auto" };
        var optimizer = new Option<string>("--optimizer") { Description = Optimizers.Names + ".", DefaultValueFactory = _ => "adam" };
        var lr = new Option<double>("--lr") { Description = "Learning rate.", DefaultValueFactory = _ => 0.001 };
        var momentum = new Option<double>("--momentum") { Description = "SGD momentum.", DefaultValueFactory = _ => 0 };
        var nesterov = new Option<bool>("--nesterov") { Description = "SGD Nesterov momentum." };
        var weightDecay = new Option<double?>("--weight-decay") { Description = "Weight decay (L2 for sgd/adam, decoupled for adamw; adamw defaults to 0.01)." };
        var batch = new Option<int>("--batch-size") { Description = "Mini-batch size.", DefaultValueFactory = _ => 100 };
        var epochs = new Option<int>("--epochs") { Description = "Training epochs.", DefaultValueFactory = _ => 15 };
        var seed = new Option<ulong>("--seed") { Description = "Seed of the PyTorch-compatible generator.", DefaultValueFactory = _ => 777UL };
        var threads = new Option<int>("--threads") { Description = "Compute threads (default: all cores).", DefaultValueFactory = _ => 0 };
        var metrics = new Option<string?>("--metrics") { Description = "Write per-epoch figures to this CSV file." };
        var save = ModelOptions.Save();
        var load = new Option<string?>("--load") { Description = "Start from the weights in this safetensors model file (its sizes must match --layers)." };
        var checkpoint = new Option<string?>("--checkpoint") { Description = $"Write a checkpoint (model, optimizer, generator, position) to DIR/{CheckpointFile.FileName}; Ctrl+C writes one too." };
        var every = new Option<int>("--checkpoint-every") { Description = "Write the checkpoint every N epochs (and after the last).", DefaultValueFactory = _ => 1 };
        var summary = SummaryCommand.Option();
        var log = new Option<string?>("--log") { Description = $"Write a training log (per-layer histograms, losses) with config.json and metrics.csv to DIR, for `initlab serve` to show as it trains." };
        var logEvery = new Option<int>("--log-every") { Description = "With --log: take the per-layer histograms every N training steps (and after each epoch).", DefaultValueFactory = _ => 50 };
        var dropout = new Option<double>("--dropout") { Description = "Dropout probability after each hidden activation while training, in [0, 1) (0: none).", DefaultValueFactory = _ => 0 };
        var norm = new Option<string>("--norm") { Description = "Normalization after each hidden Linear: none, batch (BatchNorm1d) or layer (LayerNorm).", DefaultValueFactory = _ => "none" };
        var residual = new Option<int>("--residual") { Description = "Residual blocks (x + Linear-act-Linear(x)) of the last hidden width before the output layer (0: none).", DefaultValueFactory = _ => 0 };
        var zeroGamma = new Option<bool>("--zero-gamma") { Description = "Start each residual block's last normalization with γ = 0 (Goyal et al. 2017), so every block starts as the identity; needs --norm and --residual." };
        var resume = new Option<bool>("--resume") { Description = "Continue exactly from the checkpoint in --checkpoint DIR; the other options must be those it was written with." };
        var cmd = new Command("train", "Train a dense network on MNIST-format data and report the test accuracy.")
        {
            data, dataset, layers, activation, init, bias, optimizer, lr, momentum, nesterov, weightDecay, batch, epochs, seed, threads, metrics, save, load, checkpoint, every, resume, summary, log, logEvery, dropout, norm, residual, zeroGamma, Cli.Quiet, Cli.Verbose,
        };
        cmd.SetAction(p => Run(o, new Settings(p.GetValue(data), p.GetValue(dataset), p.GetValue(layers)!, p.GetValue(activation)!, p.GetValue(init)!, p.GetValue(bias)!,
            p.GetValue(optimizer)!, p.GetValue(lr), p.GetValue(momentum), p.GetValue(nesterov), p.GetValue(weightDecay),
            p.GetValue(batch), p.GetValue(epochs), p.GetValue(seed), p.GetValue(threads), p.GetValue(metrics), p.GetValue(Cli.Quiet), p.GetValue(save), p.GetValue(load),
            p.GetValue(checkpoint), p.GetValue(every), p.GetValue(resume), Summary: p.GetValue(summary), Dropout: p.GetValue(dropout), Norm: p.GetValue(norm)!, Residual: p.GetValue(residual)) { Log = p.GetValue(log), LogEvery = p.GetValue(logEvery), ZeroGamma = p.GetValue(zeroGamma) }));
        return cmd;
    }

    /// <summary>The plan as <see cref="InitPlan.ToString"/> writes it, with the weights' initializers as the user typed them.</summary>
    private static string AsTyped(string typed, InitPlan plan) =>
        InitNames.Alias(typed, plan) is { } canonical ? typed.Trim() + plan.ToString()[canonical.Length..] : plan.ToString();

    internal sealed record Settings(string? Data, string? Dataset, string Layers, string Activation, string Init, string Bias, string Optimizer, double Lr,
        double Momentum, bool Nesterov, double? WeightDecay, int BatchSize, int Epochs, ulong Seed, int Threads, string? Metrics, bool Quiet,
        string? Save = null, string? Load = null, string? Checkpoint = null, int CheckpointEvery = 1, bool Resume = false, InitPlan? Plan = null, bool Summary = false,
        double Dropout = 0, string Norm = "none", int Residual = 0)
    {
        /// <summary>--zero-gamma: the last norm of each residual block starts with γ = 0.</summary>
        public bool ZeroGamma { get; init; }

        /// <summary>--log DIR: the training log's run folder.</summary>
        public string? Log { get; init; }

        /// <summary>--log-every N: steps between the log's histogram samples.</summary>
        public int LogEvery { get; init; } = 50;
    }

    /// <summary>The run's configuration from the options; every bad value is a usage error naming its option.</summary>
    internal static TrainConfig Config(Settings s, string data)
    {
        Options.CheckEpochsAndThreads(s.Epochs, s.Threads);
        if (s.BatchSize < 1) throw new UsageException($"--batch-size must be at least 1, got {s.BatchSize}.");
        Options.CheckLogEvery(s.LogEvery);
        int[] sizes = Options.Parse(() => Mlp.ParseSizes(s.Layers), "--layers");
        // A command that built its plan from typed options (dbn) passes it; Init is then only its description.
        // Name --bias in the error only when the user gave one: otherwise the fault is --init's.
        var init = s.Plan ?? Options.Parse(() => InitPlan.Parse(s.Init, s.Bias), s.Bias == "auto" ? "--init" : "--init/--bias");
        if (!(s.Dropout >= 0 && s.Dropout < 1)) throw new UsageException($"--dropout must be in [0, 1), got {s.Dropout.ToString(CultureInfo.InvariantCulture)}.");
        if (s.Residual < 0 || s.Residual > 10_000) throw new UsageException($"--residual must be between 0 and 10000, got {s.Residual}.");
        var norm = Options.Parse(() => MlpOptions.ParseNorm(s.Norm), "--norm");
        Options.Parse(() => init.ForLayer(0, sizes.Length - 1 + 2 * s.Residual), "--init");
        // The canonical names (relU → relu) are what the header echoes and the checkpoint records.
        string activation = SummaryCommand.Canonical(s.Activation);
        _ = Options.Activation(activation);
        string optimizerName = Options.Parse(() => Optimizers.Check(s.Optimizer), "--optimizer");
        CheckInitFits(init, activation);
        var optimizer = new OptimizerConfig { Name = optimizerName, LearningRate = s.Lr, Momentum = s.Momentum, Nesterov = s.Nesterov, WeightDecay = s.WeightDecay };
        // The library names settings as the configuration does; on the command line they are options.
        Options.Setting(() => optimizer.Validate());
        Options.Setting(() => TrainConfig.CheckZeroGamma(s.ZeroGamma, norm, s.Residual));
        return new TrainConfig
        {
            Data = data, Layers = sizes, Activation = activation, Init = init, Optimizer = optimizer,
            BatchSize = s.BatchSize, Epochs = s.Epochs, Seed = s.Seed, Dropout = s.Dropout, Norm = norm, Residual = s.Residual, ZeroGamma = s.ZeroGamma,
        };
    }

    /// <summary>
    /// lsuv and dbn initialize the whole network: a --bias or an activation that does not fit is
    /// the command line's mistake (exit 2), found before any data is read.
    /// </summary>
    private static void CheckInitFits(InitPlan init, string activation)
    {
        if (!init.NeedsData) return;
        string name = init.Weights[0].Name;
        if (init.Weights.Count == 1 && init.Weights[0].IsDbn && activation != "sigmoid")
            throw new UsageException($"--init dbn pretrains sigmoid layers, but --activation is {activation}.\nUse --activation sigmoid (or 'initlab dbn', which sets it).");
        if (init.Weights.Count == 1 && init.Bias.Kind != BiasKind.Auto)
            throw new UsageException($"--init {name} sets the biases itself; --bias {init.Bias} cannot be combined with it.\nLeave --bias at auto.");
    }

    internal static int Run(Output o, Settings s)
    {
        if (s.Data is null && s.Dataset is null) throw new UsageException($"give --data DIR or --dataset NAME ({DatasetCatalog.Names}).");
        var config = Config(s, DataSource.Canonical(s.Data, s.Dataset));
        if (s.Metrics is { } m) OutputCheck.Writable(m, "--metrics");
        if (s.Save is { } sv) OutputCheck.Writable(sv, "--save");
        string? checkpoint = CheckpointPath(s);

        if (s.Summary) SummaryCommand.Print(o.Out, SummaryCommand.Network(config.Layers, config.Activation), $"{config.Architecture} {config.Activation}");
        var splits = DataSource.Load(o, s.Data, s.Dataset, s.Quiet);
        using var compute = Options.UseThreads(o, s.Threads);
        using var interrupt = new CtrlC();
        var pretraining = s.Quiet ? null : RbmReporter.For(o);
        Trainer trainer;
        try
        {
            trainer = s.Resume ? Trainer.Resume(checkpoint!, config, splits)
                : s.Load is { } loadPath ? Trainer.FromModel(config, splits, ModelOptions.LoadMatching(loadPath, [.. config.Layers], config.Activation))
                : Trainer.Create(config, splits, pretraining, cancel: interrupt.Token);
        }
        catch (OperationCanceledException) when (interrupt.Token.IsCancellationRequested)
        {
            // Only DBN pretraining runs long enough here to be interrupted; its RBMs are not a model yet.
            o.ClearProgress();
            o.Err.WriteLine("initlab: interrupted during pretraining, before fine-tuning started.");
            o.Err.WriteLine("initlab: nothing was saved (pretrained layers are not checkpointed); run the command again to start over.");
            return Cli.Interrupted;
        }
        var at = trainer.Position;

        if (!s.Quiet)
        {
            string start = s.Resume ? $"resumed from {checkpoint} at epoch {at.Epoch}, batch {at.Batch}"
                : s.Load is null ? $"init {AsTyped(s.Init, config.Init)}{BiasNote(config.Init, config.LinearCount)}"
                : $"weights from {s.Load}";
            // Two lines: one would wrap in an 80-column terminal.
            o.Out.WriteLine($"{config.Architecture} {config.Activation}{ArchitectureNote(config)}, {start}, {config.Optimizer.Name} lr {s.Lr.ToString(CultureInfo.InvariantCulture)}, batch {s.BatchSize}, seed {s.Seed}");
            if (!s.Resume && s.Load is null && InitNames.Alias(s.Init, config.Init) is { } canonical) o.Out.WriteLine($"({s.Init} is {canonical})");
            o.Out.WriteLine($"{splits.Train.Count:N0} training images from {Path.GetDirectoryName(splits.Train.Source)}");
            if (s.Load is not null) o.Out.WriteLine($"{config.Optimizer.Name} starts afresh: a model file holds no optimizer state (a --checkpoint does)");
        }
        var lines = new InlineProgress<EpochReport>(r =>
        {
            if (s.Quiet) return;
            o.Out.WriteLine(EpochLine(r));
        });
        var options = new FitOptions
        {
            CheckpointPath = checkpoint, CheckpointEvery = s.CheckpointEvery, MetricsPath = s.Metrics,
            BatchProgress = o.EpochProgress(s.Quiet, s.Epochs),
        };
        using var log = s.Log is null ? null : OpenLog(s.Log, config, trainer, s.LogEvery);
        if (log is not null) options = options with { MetricsPath = s.Metrics ?? Path.Combine(s.Log!, Experiments.RunFiles.Metrics) };
        try
        {
            TrainingLogWriter.Fit(trainer, log, lines, interrupt.Token, options);
        }
        catch (OperationCanceledException) when (interrupt.Token.IsCancellationRequested)
        {
            o.EndProgress();
            at = trainer.Position;
            o.Err.WriteLine($"initlab: interrupted in epoch {at.Epoch} after batch {at.Batch}.");
            o.Err.WriteLine(checkpoint is null
                ? "initlab: no --checkpoint DIR was given, so nothing was saved and this run cannot be resumed."
                : $"initlab: checkpoint written to {checkpoint}; to continue, run the same command with --resume added.");
            return Cli.Interrupted;
        }
        float accuracy = Evaluator.Accuracy(trainer.Model, splits.Test);
        o.Out.WriteLine($"Test accuracy: {Percent(accuracy)}");
        var outputs = new LateOutputs(o);
        if (s.Save is { } savePath) outputs.Write("--save", savePath, () => ModelFile.Save(trainer.Model, savePath));
        return outputs.ExitCode();
    }

    /// <summary>--log DIR: config.json and the log's start (the network as initialized, or as resumed).</summary>
    private static TrainingLogWriter OpenLog(string dir, TrainConfig config, Trainer trainer, int every)
    {
        LoggedRun.WriteConfig(dir, config);
        return new TrainingLogWriter(Path.Combine(dir, TrainingLog.FileName), trainer, new TrainingLogOptions { SampleEvery = every });
    }

    /// <summary>" (batch norm, dropout 0.3, 50 residual blocks)", or "" for a plain network, whose line stays as it was.</summary>
    internal static string ArchitectureNote(TrainConfig c)
    {
        var parts = new List<string>();
        if (c.Norm != NormKind.None) parts.Add($"{MlpOptions.NameOf(c.Norm)} norm");
        if (c.Dropout > 0) parts.Add($"dropout {c.Dropout.ToString(CultureInfo.InvariantCulture)}");
        if (c.Residual > 0) parts.Add($"{c.Residual} residual block{(c.Residual == 1 ? "" : "s")}");
        return parts.Count == 0 ? "" : $" ({string.Join(", ", parts)})";
    }

    /// <summary>
    /// An epoch's printed line: cost, test accuracy, time and rate. Past 80 columns (a fast
    /// epoch's rate has 7 digits) the rate is left out rather than wrapped; --metrics keeps it.
    /// </summary>
    internal static string EpochLine(EpochReport r)
    {
        string head = $"Epoch: {r.Epoch:0000} cost = {r.TrainCost.ToString("F9", CultureInfo.InvariantCulture)}  test accuracy {Percent(r.TestAccuracy)}  ";
        string seconds = r.Seconds.ToString("F2", CultureInfo.InvariantCulture);
        string line = $"{head}({seconds} s, {r.SamplesPerSecond.ToString("N0", CultureInfo.InvariantCulture)} samples/s)";
        return line.Length <= 80 ? line : $"{head}({seconds} s)";
    }

    /// <summary>"96.12%".</summary>
    internal static string Percent(double fraction) =>
        double.IsFinite(fraction) ? (fraction * 100).ToString("0.00", CultureInfo.InvariantCulture) + "%" : "n/a";

    /// <summary>DIR/checkpoint.safetensors for --checkpoint DIR (null without it), after checking the checkpoint options.</summary>
    private static string? CheckpointPath(Settings s)
    {
        if (s.CheckpointEvery < 1) throw new UsageException($"--checkpoint-every must be at least 1, got {s.CheckpointEvery}.");
        if (s.Checkpoint is null)
        {
            if (s.Resume) throw new UsageException("--resume needs --checkpoint DIR, the folder holding the checkpoint to continue from.");
            return null;
        }
        if (s.Resume && s.Load is not null) throw new UsageException("--resume and --load cannot be combined: the checkpoint holds the weights.");
        string path = Path.Combine(s.Checkpoint, CheckpointFile.FileName);
        if (s.Resume && !File.Exists(path))
            throw new FileNotFoundException($"--resume: there is no checkpoint to continue from ({path} does not exist).");
        if (!s.Resume) Directory.CreateDirectory(s.Checkpoint);
        OutputCheck.Writable(path, "--checkpoint");
        return path;
    }

    /// <summary>", biases zeros (auto)" when --bias auto resolved to something other than PyTorch's default.</summary>
    private static string BiasNote(InitPlan plan, int layers) =>
        plan.AutoChangesBiases(layers) ? $", biases {plan.DescribeBias(layers)}" : "";
}
