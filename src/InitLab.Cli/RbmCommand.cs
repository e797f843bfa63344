using InitLab.Io;
using System.CommandLine;
using System.Globalization;
using System.Text;
using InitLab.Data;
using InitLab.Random;
using InitLab.Rbm;
using InitLab.Training;
using Tensor = InitLab.Tensors.Tensor;

namespace InitLab.Cli;

/// <summary>`initlab rbm`: trains one RBM on the images and shows what it learned.</summary>
internal static class RbmCommand
{
    public static Command Build(Output o)
    {
        var data = new Option<string?>("--data") { Description = "Folder with the four MNIST-format files." };
        var dataset = DataSource.DatasetOption();
        var hidden = new Option<int>("--hidden") { Description = "Hidden units.", DefaultValueFactory = _ => 500 };
        var epochs = new Option<int>("--epochs") { Description = "Training epochs.", DefaultValueFactory = _ => 10 };
        var pcd = new Option<bool>("--pcd") { Description = "Persistent contrastive divergence (chains kept between updates)." };
        var cdK = new Option<int>("--cd-k") { Description = "Gibbs steps per update.", DefaultValueFactory = _ => 1 };
        var lr = new Option<double>("--lr") { Description = "Learning rate.", DefaultValueFactory = _ => 0.1 };
        var momentum = new Option<string?>("--momentum") { Description = "Momentum for the first 5 epochs, then after; one value for both. Default: 0.5,0.9 (Hinton) for CD, 0 for --pcd (momentum ruins PCD)." };
        var wd = new Option<double>("--weight-decay") { Description = "L2 weight decay.", DefaultValueFactory = _ => 0.0002 };
        var batch = new Option<int>("--batch-size") { Description = "Mini-batch size.", DefaultValueFactory = _ => 100 };
        var seed = new Option<ulong>("--seed") { Description = "Seed.", DefaultValueFactory = _ => 777UL };
        var gaussian = new Option<bool>("--gaussian") { Description = "Gaussian-Bernoulli RBM on standardized pixels (use a smaller --lr, e.g. 0.005)." };
        var visibleBias = new Option<string>("--visible-bias") { Description = "Initial visible biases: data (log p/(1-p) of the pixel means, Hinton) or zeros (scikit-learn).", DefaultValueFactory = _ => "data" };
        var plSeed = new Option<uint?>("--pl-seed") { Description = "Flip the pixels scikit-learn's score_samples flips with this random_state when computing the final held-out pseudo-likelihood." };
        var filters = new Option<string?>("--filters") { Description = "Write the first 100 hidden units' weights as 28x28 images to this PNG." };
        var samples = new Option<string?>("--samples") { Description = "Write 100 samples drawn by 1000 Gibbs steps from test digits to this PNG." };
        var metrics = new Option<string?>("--metrics") { Description = "Write the per-epoch figures to this CSV file." };
        var average = new Option<int>("--average") { Description = "Polyak averaging: the trained RBM is the mean of the parameters after every update of the last N epochs (0: off).", DefaultValueFactory = _ => 0 };
        var threads = new Option<int>("--threads") { Description = "Compute threads (default: all cores).", DefaultValueFactory = _ => 0 };
        var cmd = new Command("rbm", "Train a restricted Boltzmann machine on the images; print reconstruction error, held-out pseudo-likelihood and the free-energy gap per epoch.")
        {
            data, dataset, hidden, epochs, pcd, cdK, lr, momentum, wd, batch, seed, gaussian, visibleBias, plSeed, average, filters, samples, metrics, threads, Cli.Quiet, Cli.Verbose,
        };
        cmd.SetAction(p => Run(o, p.GetValue(data), p.GetValue(dataset), p.GetValue(hidden), p.GetValue(epochs), p.GetValue(pcd), p.GetValue(cdK), p.GetValue(lr),
            p.GetValue(momentum) ?? DefaultMomentumText(p.GetValue(pcd)), p.GetValue(wd), p.GetValue(batch), p.GetValue(seed), p.GetValue(gaussian), p.GetValue(visibleBias)!, p.GetValue(plSeed), p.GetValue(average), p.GetValue(filters),
            p.GetValue(samples), p.GetValue(metrics), p.GetValue(threads)));
        return cmd;
    }

    /// <summary>RbmOptions.DefaultMomentum as --momentum would spell it: "0.5,0.9", or "0" when both are 0.</summary>
    private static string DefaultMomentumText(bool pcd)
    {
        var (initial, final) = RbmOptions.DefaultMomentum(pcd);
        string F(double v) => v.ToString(CultureInfo.InvariantCulture);
        return initial == final ? F(initial) : $"{F(initial)},{F(final)}";
    }

    private static int Run(Output o, string? dataDir, string? datasetName, int hidden, int epochs, bool pcd, int cdK, double lr, string momentumText, double wd,
        int batch, ulong seed, bool gaussian, string visibleBias, uint? plSeed, int average, string? filtersPath, string? samplesPath, string? metricsPath, int threads)
    {
        Options.CheckEpochsAndThreads(epochs, threads);
        if (hidden < 1) throw new UsageException($"--hidden must be at least 1, got {hidden}.");
        if (average < 0 || average > epochs) throw new UsageException($"--average must be between 0 and --epochs ({epochs}), got {average}.");
        if (cdK < 1) throw new UsageException($"--cd-k must be at least 1, got {cdK}.");
        if (batch < 1) throw new UsageException($"--batch-size must be at least 1, got {batch}.");
        if (!(lr > 0) || double.IsInfinity(lr)) throw new UsageException($"--lr must be a positive finite number, got {lr}.");
        if (!(wd >= 0) || double.IsInfinity(wd)) throw new UsageException($"--weight-decay must be a finite number >= 0, got {wd}.");
        if (visibleBias is not ("data" or "zeros")) throw new UsageException($"--visible-bias must be data or zeros, got '{visibleBias}'.");
        var m = momentumText.Split(',').Select(t => double.TryParse(t, NumberStyles.Float, CultureInfo.InvariantCulture, out double v) && v >= 0 && v < 1 ? v : double.NaN).ToArray();
        if (m.Length is < 1 or > 2 || m.Any(double.IsNaN)) throw new UsageException($"--momentum '{momentumText}' is not one or two numbers in [0, 1), e.g. 0.5,0.9.");
        Options.CheckPng(filtersPath, "--filters");
        Options.CheckPng(samplesPath, "--samples");
        foreach (var path in new[] { (filtersPath, "--filters"), (samplesPath, "--samples"), (metricsPath, "--metrics") })
            if (path.Item1 is not null) OutputCheck.Writable(path.Item1, path.Item2);

        var splits = DataSource.Load(o, dataDir, datasetName, quiet: false);
        var train = DataBatch.First(splits.Train, splits.Train.Count).X;
        var held = DataBatch.First(splits.Test, Math.Min(splits.Test.Count, 2000)).X;
        if (gaussian) GaussianBernoulliRbm.Standardize(train, held);
        RestrictedBoltzmannMachine rbm = gaussian ? new GaussianBernoulliRbm(train.Cols, hidden) : new BernoulliRbm(train.Cols, hidden);
        var options = new RbmOptions
        {
            Epochs = epochs, BatchSize = batch, LearningRate = lr, InitialMomentum = m[0], FinalMomentum = m[^1], WeightDecay = wd,
            GibbsSteps = cdK, Persistent = pcd, AverageEpochs = average, Seed = seed,
        };
        using var compute = Options.UseThreads(o, threads);
        RbmTrainer.Initialize(rbm, train, seed, visibleBiasFromData: visibleBias == "data");
        o.Out.WriteLine($"{(gaussian ? "Gaussian-Bernoulli" : "Bernoulli")} RBM {train.Cols}-{hidden}, {(pcd ? "PCD" : "CD")}-{cdK}, lr {lr.ToString(CultureInfo.InvariantCulture)}, " +
            $"momentum {momentumText}, weight decay {wd.ToString(CultureInfo.InvariantCulture)}\nbatch {batch}, {train.Rows:N0} training images");
        int side = splits.Train.ImageRows, width = splits.Train.ImageCols;
        var kept = new Finished(o, metricsPath, Math.Min(100, hidden), rbm);
        using var interrupt = new CtrlC();
        try
        {
            new RbmTrainer(rbm, options).Fit(train, held, 1, kept, interrupt.Token);
        }
        catch (OperationCanceledException) when (interrupt.Token.IsCancellationRequested)
        {
            return Interrupted(o, kept, filtersPath, samplesPath, side, width);
        }
        if (rbm is BernoulliRbm bernoulli)
        {
            var test = DataBatch.First(splits.Test, splits.Test.Count).X;
            double pl = plSeed is { } ps ? bernoulli.PseudoLikelihood(test, ps) : bernoulli.PseudoLikelihood(test, new FastRandom(seed ^ 0xF11DUL));
            // Within 80 columns (PL is spelled out in the legend above the epoch lines).
            string flips = plSeed is { } p2 ? $"sklearn's flips, random_state={p2}" : "one random pixel flipped in each";
            o.Out.WriteLine($"Held-out PL: {pl.ToString("F3", CultureInfo.InvariantCulture)} ({test.Rows:N0} test images, {flips})");
        }
        // Each output is attempted even if one before it failed: training is not thrown away for a
        // chart. The metrics were written as each epoch finished.
        var outputs = new LateOutputs(o);
        if (filtersPath is not null)
        {
            var tiles = Enumerable.Range(0, Math.Min(100, hidden)).Select(j => rbm.Weights.Row(j).ToArray()).ToList();
            outputs.Write("--filters", filtersPath, () =>
            {
                ImageGrid.Save(filtersPath, tiles, side, width, normalize: true,
                    $"RBM {train.Cols}-{hidden} filters: weights of hidden units 1-{tiles.Count} after {epochs} epochs");
                o.Out.WriteLine($"Filters written to {filtersPath}");
            });
        }
        if (samplesPath is not null)
        {
            var start = held.CopyRows(0, Math.Min(100, held.Rows));
            var dreams = rbm.Dream(start, 1000, new FastSampler(seed + 1));
            var tiles = Enumerable.Range(0, dreams.Rows).Select(i => dreams.Row(i).ToArray()).ToList();
            outputs.Write("--samples", samplesPath, () =>
            {
                ImageGrid.Save(samplesPath, tiles, side, width, normalize: gaussian,
                    $"RBM samples: 1000 Gibbs steps from {tiles.Count} held-out images");
                o.Out.WriteLine($"Samples written to {samplesPath}");
            });
        }
        return outputs.ExitCode();
    }

    /// <summary>
    /// After Ctrl+C: the metrics of the finished epochs are already on disk; the filters of the
    /// last finished epoch go to NAME.partial.png so that a complete run's file is never mistaken
    /// for them. Says what was kept; exit code 130.
    /// </summary>
    private static int Interrupted(Output o, Finished kept, string? filtersPath, string? samplesPath, int side, int width)
    {
        var saved = new List<string>();
        if (kept.MetricsPath is { } m && kept.Epochs > 0) saved.Add($"{m} ({kept.Epochs} finished epoch{(kept.Epochs == 1 ? "" : "s")})");
        if (filtersPath is not null && kept.Filters is { } tiles)
        {
            string partial = Path.ChangeExtension(filtersPath, ".partial.png");
            ImageGrid.Save(partial, tiles, side, width, normalize: true,
                $"RBM filters: weights of hidden units 1-{tiles.Count} after epoch {kept.Epochs} (interrupted)");
            saved.Add($"{partial} (filters after epoch {kept.Epochs})");
        }
        o.Err.WriteLine($"initlab: interrupted in epoch {kept.Epochs + 1}, after {kept.Epochs} finished epoch{(kept.Epochs == 1 ? "" : "s")}.");
        if (saved.Count == 0) o.Err.WriteLine("initlab: nothing was written (no epoch had finished, or no --metrics/--filters was given).");
        foreach (var file in saved) o.Err.WriteLine($"initlab: kept {file}");
        if (samplesPath is not null) o.Err.WriteLine($"initlab: no {samplesPath}: samples are drawn only after the last epoch.");
        return Cli.Interrupted;
    }

    /// <summary>
    /// Prints each epoch's line, rewrites --metrics with every finished epoch (so a crash or
    /// Ctrl+C leaves the epochs done), and keeps the first filters of the last finished epoch.
    /// </summary>
    private sealed class Finished(Output o, string? metricsPath, int filterCount, RestrictedBoltzmannMachine rbm) : IProgress<RbmEpochReport>
    {
        private readonly StringBuilder _csv = new("epoch,seconds,reconstruction_error,heldout_pseudo_likelihood,free_energy_gap\n");

        public string? MetricsPath => metricsPath;

        public int Epochs { get; private set; }

        public List<float[]>? Filters { get; private set; }

        public void Report(RbmEpochReport r)
        {
            if (Epochs == 0) o.Out.WriteLine(RbmReporter.Legend);
            o.Out.WriteLine(RbmReporter.Format(r));
            Epochs = r.Epoch;
            Filters = [.. Enumerable.Range(0, filterCount).Select(j => rbm.Weights.Row(j).ToArray())];
            _csv.Append(CultureInfo.InvariantCulture, $"{r.Epoch},{r.Seconds:F6},{r.ReconstructionError:F6},{r.HeldOutPseudoLikelihood:F6},{r.FreeEnergyGap:F6}\n");
            if (metricsPath is not null) AtomicFile.WriteAllText(metricsPath, _csv.ToString());
        }
    }
}
