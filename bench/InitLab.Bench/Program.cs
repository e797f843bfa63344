using BenchmarkDotNet.Running;
using InitLab.Bench;

if (args.Length > 0 && args[0] == "gflops")
{
    QuickGflops.Run(args.Skip(1).ToArray());
    return;
}
if (args.Length > 0 && args[0] == "epoch-gemms")
{
    EpochGemms.Run(args.Skip(1).ToArray());
    return;
}
if (args.Length > 0 && args[0] == "fma-peak")
{
    FmaPeak.Run();
    return;
}
if (args.Length > 0 && args[0] == "core-latency")
{
    CoreLatency.Run(args.Skip(1).ToArray());
    return;
}
BenchmarkSwitcher.FromAssembly(typeof(GemmBenchmarks).Assembly).Run(args);
