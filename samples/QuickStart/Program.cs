using InitLab.Data;
using InitLab.Init;
using InitLab.Io;
using InitLab.Training;

// The study note's network (784-256-256-10 ReLU, Adam 0.001, batch 100) with He initialization.
// Usage: QuickStart [DATASET-OR-FOLDER] [EPOCHS]; Ctrl+C stops after the current batch.
var config = TrainConfig.Note with
{
    Data = args.Length > 0 ? args[0] : "mnist",
    Init = InitPlan.Parse("he-normal"),
    Epochs = args.Length > 1 ? int.Parse(args[1]) : 5,
};
using var stop = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) => { e.Cancel = true; stop.Cancel(); };

var trainer = Trainer.Create(config, Datasets.Load(config.Data));
var progress = new InlineProgress<EpochReport>(r =>
    Console.WriteLine($"epoch {r.Epoch}/{r.Epochs}: cost {r.TrainCost:F4}, test accuracy {r.TestAccuracy:P2}"));
try
{
    trainer.Fit(progress, stop.Token);
}
catch (OperationCanceledException)
{
    Console.WriteLine($"stopped in epoch {trainer.Position.Epoch}; saving the weights as they are");
}
ModelFile.Save(trainer.Model, "quickstart.safetensors");
Console.WriteLine("saved quickstart.safetensors");
