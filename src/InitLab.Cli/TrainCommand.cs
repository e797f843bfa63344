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
public static class TrainCommand
{
    public static Command Build(Output o)
    {
        var data = new Option<string?>("--data") { Description = "Folder with the four MNIST-format files." };
        var dataset = DataSource.DatasetOption();
        var layers = new Option<string>("--layers") { Description = "Layer sizes, input first.", DefaultValueFactory = _ => "784,256,256,10" };
        var activation = new Option<string>("--activation") { Description = "relu, leaky-relu, sigmoid or tanh.", DefaultValueFactory = _ => "relu" };
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
        var resume = new Option<bool>("--resume") { Description = "Continue exactly from the checkpoint in --checkpoint DIR; the other options must be those it was written with." };
        var cmd = new Command("train", "Train a dense network on MNIST-format data and report the test accuracy.")
        {
            data, dataset, layers, activation, init, bias, optimizer, lr, momentum, nesterov, weightDecay, batch, epochs, seed, threads, metrics, save, load, checkpoint, every, resume, Cli.Quiet, Cli.Verbose,
        };
        cmd.SetAction(p => Run(o, new Settings(p.GetValue(data), p.GetValue(dataset), p.GetValue(layers)!, p.GetValue(activation)!, p.GetValue(init)!, p.GetValue(bias)!,
            p.GetValue(optimizer)!, p.GetValue(lr), p.GetValue(momentum), p.GetValue(nesterov), p.GetValue(weightDecay),
            p.GetValue(batch), p.GetValue(epochs), p.GetValue(seed), p.GetValue(threads), p.GetValue(metrics), p.GetValue(Cli.Quiet), p.GetValue(save), p.GetValue(load),
            p.GetValue(checkpoint), p.GetValue(every), p.GetValue(resume))));
        return cmd;
    }

    internal sealed record Settings(string? Data, string? Dataset, string Layers, string Activation, string Init, string Bias, string Optimizer, double Lr,
        double Momentum, bool Nesterov, double? WeightDecay, int BatchSize, int Epochs, ulong Seed, int Threads, string? Metrics, bool Quiet,
        string? Save = null, string? Load = null, string? Checkpoint = null, int CheckpointEvery = 1, bool Resume = false, InitPlan? Plan = null);

    internal static int Run(Output o, Settings s)
    {
        Options.CheckEpochsAndThreads(s.Epochs, s.Threads);
        if (s.Data is null && s.Dataset is null) throw new UsageException($"give --data DIR or --dataset NAME ({DatasetCatalog.Names}).");
        if (s.BatchSize < 1) throw new UsageException($"--batch-size must be at least 1, got {s.BatchSize}.");
        int[] sizes = Options.Parse(() => Mlp.ParseSizes(s.Layers), "--layers");
        // A command that built its plan from typed options (dbn) passes it; Init is then only its description.
        var init = s.Plan ?? Options.Parse(() => InitPlan.Parse(s.Init, s.Bias), "--init/--bias");
        Options.Parse(() => init.ForLayer(0, sizes.Length - 1), "--init");
        _ = Options.Parse(() => Mlp.CreateActivation(s.Activation), "--activation");
        Options.Parse(() => Optimizers.Check(s.Optimizer), "--optimizer");
        if (!(s.Lr > 0) || double.IsInfinity(s.Lr)) throw new UsageException($"--lr must be a positive number, got {s.Lr}.");
        if (s.Momentum < 0 || s.WeightDecay < 0) throw new UsageException("--momentum and --weight-decay must not be negative.");
        bool sgd = Optimizers.Check(s.Optimizer) == "sgd";
        if (s.Nesterov && !(sgd && s.Momentum > 0))
            throw new UsageException("--nesterov needs --optimizer sgd and a --momentum above 0 (Nesterov momentum is a form of SGD momentum).");
        if (s.Momentum > 0 && !sgd)
            throw new UsageException($"--momentum is for --optimizer sgd; {s.Optimizer} has its own moment estimates.");
        if (s.Metrics is { } m) AtomicFile.CheckFolder(m, "--metrics");
        if (s.Save is { } sv) AtomicFile.CheckFolder(sv, "--save");
        var checkpoints = TrainCheckpoints.Prepare(s);
        var resumed = checkpoints?.LoadForResume();

        var splits = DataSource.Load(o, s.Data, s.Dataset, s.Quiet);
        if (sizes[0] != splits.Train.FeatureCount)
            throw new ArgumentException($"--layers starts with {sizes[0]} inputs but {splits.Train.Source} has {splits.Train.FeatureCount} pixels per image.");
        if (sizes[^1] < splits.Train.Classes)
            throw new ArgumentException($"--layers ends with {sizes[^1]} outputs but the data has {splits.Train.Classes} classes.");
        var generator = new TorchGenerator(s.Seed);
        var model = resumed is not null ? resumed.Model.Model
            : s.Load is { } loadPath ? ModelOptions.LoadMatching(loadPath, sizes, s.Activation)
            : Mlp.Create(sizes, s.Activation, init, generator, new InitContext(splits.Train, splits.Test, s.Quiet ? null : RbmReporter.For(o), s.Threads));
        var optimizer = Optimizers.Create(s.Optimizer, model.Parameters, s.Lr, s.Momentum, s.WeightDecay, s.Nesterov);
        var trainer = new Trainer(model, optimizer, generator, new TrainingOptions { Epochs = s.Epochs, BatchSize = s.BatchSize, Threads = s.Threads });
        if (trainer.BatchesPerEpoch(splits.Train.Count) == 0)
            throw new ArgumentException($"{splits.Train.Source}: {splits.Train.Count} images make no full batch of {s.BatchSize}.");
        if (resumed is not null) checkpoints!.Restore(resumed, optimizer, trainer);

        if (!s.Quiet) o.Out.WriteLine($"{string.Join("-", sizes)} {s.Activation}, {(resumed is not null ? $"resumed from {checkpoints!.Path} at epoch {resumed.Position.Epoch}, batch {resumed.Position.Batch}" : s.Load is null ? $"init {init}{BiasNote(init, sizes.Length - 1)}" : $"weights from {s.Load}")}, {s.Optimizer} lr {s.Lr.ToString(CultureInfo.InvariantCulture)}, batch {s.BatchSize}, seed {s.Seed}; {splits.Train.Count:N0} training images from {Path.GetDirectoryName(splits.Train.Source)}");
        // The finished epochs' rows; a resumed run starts with the ones its checkpoint recorded.
        var rows = new StringBuilder(resumed is not null ? checkpoints!.MetricsRows(resumed) : "");
        var progress = o.EpochProgress(s.Quiet, s.Epochs);
        using var interrupt = new CtrlC();
        try
        {
            for (int e = resumed?.Position.Epoch ?? 1; e <= s.Epochs; e++)
            {
                var r = trainer.RunEpoch(splits.Train, e, progress, interrupt.Token);
                string cost = ((double)r.Cost).ToString("F9", CultureInfo.InvariantCulture);
                if (!s.Quiet) o.Out.WriteLine($"Epoch: {e:0000} cost = {cost}  ({r.Seconds.ToString("F2", CultureInfo.InvariantCulture)} s, {r.SamplesPerSecond:N0} samples/s)");
                rows.Append(CultureInfo.InvariantCulture, $"{e},{cost},{r.Seconds:F6},{r.SamplesPerSecond:F1}\n");
                if (e % s.CheckpointEvery == 0 || e == s.Epochs) checkpoints?.Save(model, optimizer, trainer.Position, rows.ToString());
            }
        }
        catch (OperationCanceledException) when (interrupt.Token.IsCancellationRequested)
        {
            o.ClearProgress();
            var at = trainer.Position;
            checkpoints?.Save(model, optimizer, at, rows.ToString());
            o.Err.WriteLine($"initlab: interrupted in epoch {at.Epoch} after batch {at.Batch}.");
            o.Err.WriteLine(checkpoints is null
                ? "initlab: no --checkpoint DIR was given, so nothing was saved and this run cannot be resumed."
                : $"initlab: checkpoint written to {checkpoints.Path}; to continue, run the same command with --resume added.");
            return Cli.Interrupted;
        }
        float accuracy = Evaluator.Accuracy(model, splits.Test);
        o.Out.WriteLine($"Accuracy: {((double)accuracy).ToString("R", CultureInfo.InvariantCulture)}");
        if (s.Metrics is { } path) AtomicFile.WriteAllText(path, "epoch,cost,seconds,samples_per_second\n" + rows);
        if (s.Save is { } savePath) ModelFile.Save(model, savePath);
        return Cli.Ok;
    }

    /// <summary>", biases zeros (auto)" when --bias auto resolved to something other than PyTorch's default.</summary>
    private static string BiasNote(InitPlan plan, int layers) =>
        plan.AutoChangesBiases(layers) ? $", biases {plan.DescribeBias(layers)}" : "";
}
