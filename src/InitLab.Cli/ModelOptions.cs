using System.CommandLine;
using InitLab.Data;
using InitLab.Io;
using InitLab.Nn;

namespace InitLab.Cli;

/// <summary>The --save/--model/--activation options and the checks that a model fits the data or the command line.</summary>
internal static class ModelOptions
{
    public static Option<string?> Save() => new("--save") { Description = "Write the trained model to this safetensors file (PyTorch nn.Sequential names)." };

    public static Option<string> Model() => new("--model") { Description = "A safetensors model file (saved by --save, or by PyTorch).", Required = true };

    public static Option<string?> Activation() => new("--activation")
    {
        Description = $"The activation of a model file that does not name it (e.g. one written by PyTorch): {Activations.Choices}.",
    };

    /// <summary>Loads a model for --load: its sizes must be those of --layers and its activation --activation's.</summary>
    public static Sequential LoadMatching(string path, int[] sizes, string activation)
    {
        var loaded = ModelFile.Load(path, activation);
        if (!loaded.Sizes.SequenceEqual(sizes))
            throw new ArgumentException($"--load {path}: the model's layers are {string.Join(",", loaded.Sizes)} but --layers is {string.Join(",", sizes)}.");
        return loaded.Model;
    }

    /// <summary>Loads a model for predict/evaluate and checks that it takes the data's images and covers its classes.</summary>
    public static LoadedModel LoadFor(string path, string? activation, Dataset data)
    {
        if (activation is not null) Options.Activation(activation);
        var loaded = ModelFile.Load(path, activation);
        if (loaded.Sizes[0] != data.FeatureCount)
            throw new ArgumentException($"{path}: the model takes {loaded.Sizes[0]} inputs but {data.Source} has {data.FeatureCount} pixels per image.");
        if (loaded.Sizes[^1] < data.Classes)
            throw new ArgumentException($"{path}: the model has {loaded.Sizes[^1]} outputs but the data has {data.Classes} classes.");
        return loaded;
    }
}
