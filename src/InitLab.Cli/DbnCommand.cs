using System.CommandLine;
using InitLab.Init;

namespace InitLab.Cli;

/// <summary>`initlab dbn`: pretrain a deep belief network, unroll it into a sigmoid network, fine-tune, evaluate.</summary>
internal static class DbnCommand
{
    public static Command Build(Output o)
    {
        var data = new Option<string?>("--data") { Description = "Folder with the four MNIST-format files." };
        var dataset = DataSource.DatasetOption();
        var layers = new Option<string>("--layers") { Description = "Layer sizes; every hidden layer is pretrained as an RBM.", DefaultValueFactory = _ => "784,500,500,2000,10" };
        var pretrainEpochs = new Option<int>("--pretrain-epochs") { Description = "RBM epochs per layer.", DefaultValueFactory = _ => 10 };
        var pretrainLr = new Option<double>("--pretrain-lr") { Description = "RBM learning rate.", DefaultValueFactory = _ => 0.1 };
        var cdK = new Option<int>("--cd-k") { Description = "Gibbs steps per RBM update.", DefaultValueFactory = _ => 1 };
        var pcd = new Option<bool>("--pcd") { Description = "Pretrain with persistent contrastive divergence." };
        var top = new Option<string>("--top") { Description = "Initializer of the output layer.", DefaultValueFactory = _ => "xavier-uniform" };
        var optimizer = new Option<string>("--optimizer") { Description = "Fine-tuning optimizer: " + InitLab.Optim.Optimizers.Names + ".", DefaultValueFactory = _ => "adam" };
        var lr = new Option<double>("--lr") { Description = "Fine-tuning learning rate.", DefaultValueFactory = _ => 0.001 };
        var momentum = new Option<double>("--momentum") { Description = "SGD momentum.", DefaultValueFactory = _ => 0 };
        var batch = new Option<int>("--batch-size") { Description = "Mini-batch size for fine-tuning.", DefaultValueFactory = _ => 100 };
        var epochs = new Option<int>("--epochs") { Description = "Fine-tuning epochs.", DefaultValueFactory = _ => 15 };
        var seed = new Option<ulong>("--seed") { Description = "Seed.", DefaultValueFactory = _ => 777UL };
        var threads = new Option<int>("--threads") { Description = "Compute threads (default: all cores).", DefaultValueFactory = _ => 0 };
        var metrics = new Option<string?>("--metrics") { Description = "Write per-epoch fine-tuning figures to this CSV file." };
        var save = ModelOptions.Save();
        var cmd = new Command("dbn", "Pretrain a deep belief network layer by layer, unroll it into a sigmoid network, fine-tune it with labels and evaluate.")
        {
            data, dataset, layers, pretrainEpochs, pretrainLr, cdK, pcd, top, optimizer, lr, momentum, batch, epochs, seed, threads, metrics, save, Cli.Quiet, Cli.Verbose,
        };
        cmd.SetAction(p =>
        {
            if (p.GetValue(pretrainEpochs) < 1) throw new UsageException($"--pretrain-epochs must be at least 1, got {p.GetValue(pretrainEpochs)}.");
            var options = new DbnOptions
            {
                Epochs = p.GetValue(pretrainEpochs), LearningRate = p.GetValue(pretrainLr), GibbsSteps = p.GetValue(cdK), Persistent = p.GetValue(pcd),
                Top = Options.Parse(() => InitSpec.Parse(p.GetValue(top)!), "--top"),
            };
            var plan = Options.Parse(() => InitPlan.Dbn(options), "--pretrain-lr/--cd-k/--top");
            return TrainCommand.Run(o, new TrainCommand.Settings(p.GetValue(data), p.GetValue(dataset), p.GetValue(layers)!, "sigmoid", plan.ToString(), "auto",
                p.GetValue(optimizer)!, p.GetValue(lr), p.GetValue(momentum), false, null, p.GetValue(batch), p.GetValue(epochs), p.GetValue(seed),
                p.GetValue(threads), p.GetValue(metrics), p.GetValue(Cli.Quiet), p.GetValue(save), Plan: plan));
        });
        return cmd;
    }
}
