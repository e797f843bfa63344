using System.CommandLine;
using InitLab.Io;

namespace InitLab.Cli;

/// <summary>`initlab export`: a saved model as an ONNX file that ONNX Runtime (and other tools) run.</summary>
internal static class ExportCommand
{
    public static Command Build(Output o)
    {
        var model = ModelOptions.Model();
        var onnx = new Option<string>("--onnx") { Description = "The ONNX file to write (input \"input\" (N, in), output \"logits\" (N, out)).", Required = true };
        var activation = ModelOptions.Activation();
        var cmd = new Command("export", "Write a saved model as an ONNX graph (Linear, activations, Dropout, BatchNorm1d, LayerNorm, residual blocks; opset 13, or 17 with LayerNorm).")
        {
            model, onnx, activation, Cli.Quiet, Cli.Verbose,
        };
        cmd.SetAction(p => Run(o, p.GetValue(model)!, p.GetValue(onnx)!, p.GetValue(activation), p.GetValue(Cli.Quiet)));
        return cmd;
    }

    private static int Run(Output o, string modelPath, string onnxPath, string? activation, bool quiet)
    {
        if (activation is not null) Options.Activation(activation);
        OutputCheck.Writable(onnxPath, "--onnx");
        var loaded = ModelFile.Load(modelPath, activation);
        OnnxExport.Write(loaded.Model, onnxPath);
        if (!quiet)
            o.Out.WriteLine($"Wrote {onnxPath}: {string.Join("-", loaded.Sizes)} {loaded.Activation}, input \"{OnnxExport.InputName}\" (N, {loaded.Sizes[0]}), output \"{OnnxExport.OutputName}\" (N, {loaded.Sizes[^1]}), opset {OnnxExport.OpsetFor(loaded.Model)}.");
        return Cli.Ok;
    }
}
