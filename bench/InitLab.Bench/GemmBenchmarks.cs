using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;
using InitLab.Tensors;

namespace InitLab.Bench;

/// <summary>
/// GEMM at the seed network's training shapes (batch 100, 784-256-256-10): the forward
/// x·Wᵀ (NT), the weight gradient dyᵀ·x (TN) and the input gradient dy·W (NN).
/// </summary>
[Config(typeof(Config))]
public class GemmBenchmarks
{
    public sealed record Shape(string Name, bool TA, bool TB, int M, int N, int K)
    {
        public override string ToString() => $"{Name} {M}x{N}x{K}";
        public double Flops => 2.0 * M * N * K;
    }

    public static IEnumerable<Shape> Shapes =>
    [
        new("fwd1 NT", false, true, 100, 256, 784),
        new("dW1 TN", true, false, 256, 784, 100),
        new("fwd2 NT", false, true, 100, 256, 256),
        new("dW2 TN", true, false, 256, 256, 100),
        new("dx2 NN", false, false, 100, 256, 256),
        new("square NN", false, false, 1000, 1000, 1000),
    ];

    /// <summary>The shapes of a 784-500 RBM's CD step at batch 100: h = σ(vWᵀ+c) (NT), v = σ(hW+b) (NN), dW += hᵀv (TN).</summary>
    public static IEnumerable<Shape> RbmShapes =>
    [
        new("rbm h NT", false, true, 100, 500, 784),
        new("rbm v NN", false, false, 100, 784, 500),
        new("rbm dW TN", true, false, 500, 784, 100),
        new("rbm dW TN k200", true, false, 500, 784, 200),
    ];

    [ParamsSource(nameof(Shapes))]
    public Shape S { get; set; } = null!;

    [Params(1, 2)]
    public int Threads { get; set; }

    private float[] _a = [], _b = [], _c = [];

    [GlobalSetup]
    public void Setup()
    {
        var r = new System.Random(1);
        _a = Enumerable.Range(0, S.M * S.K).Select(_ => (float)r.NextDouble()).ToArray();
        _b = Enumerable.Range(0, S.K * S.N).Select(_ => (float)r.NextDouble()).ToArray();
        _c = new float[S.M * S.N];
    }

    [Benchmark]
    public void Gemm() => InitLab.Tensors.Gemm.Multiply(S.TA, S.TB, S.M, S.N, S.K, 1f,
        _a, S.TA ? S.M : S.K, _b, S.TB ? S.K : S.N, 0f, _c, S.N, Threads);

    private sealed class Config : ManualConfig
    {
        public Config()
        {
            AddColumn(new GflopsColumn());
            WithOptions(ConfigOptions.DisableOptimizationsValidator);
        }
    }

    /// <summary>GFLOP/s = 2·M·N·K / mean time.</summary>
    private sealed class GflopsColumn : IColumn
    {
        public string Id => "GFLOPS";
        public string ColumnName => "GFLOP/s";
        public bool AlwaysShow => true;
        public ColumnCategory Category => ColumnCategory.Custom;
        public int PriorityInCategory => 0;
        public bool IsNumeric => true;
        public UnitType UnitType => UnitType.Dimensionless;
        public string Legend => "Billions of floating-point operations per second (2*M*N*K / mean)";
        public bool IsAvailable(Summary summary) => true;
        public bool IsDefault(Summary summary, BenchmarkCase benchmarkCase) => false;
        public string GetValue(Summary summary, BenchmarkCase benchmarkCase) => GetValue(summary, benchmarkCase, SummaryStyle.Default);

        public string GetValue(Summary summary, BenchmarkCase benchmarkCase, SummaryStyle style)
        {
            var report = summary[benchmarkCase];
            if (report?.ResultStatistics is null) return "-";
            var shape = (Shape)benchmarkCase.Parameters["S"]!;
            return (shape.Flops / report.ResultStatistics.Mean).ToString("F1"); // flops per ns = GFLOP/s
        }
    }
}

/// <summary>A fast sanity check without BenchmarkDotNet: `dotnet run -c Release -- gflops`.</summary>
public static class QuickGflops
{
    public static void Run(string[] args)
    {
        Console.WriteLine(GemmKernels.Describe());
        if (args.Contains("--cpu"))
        {
            RunCpuTime();
            return;
        }
        foreach (var s in GemmBenchmarks.Shapes)
            foreach (int t in new[] { 1, 2 })
            {
                var b = new GemmBenchmarks { S = s, Threads = t };
                b.Setup();
                for (int i = 0; i < 3; i++) b.Gemm();
                int reps = (int)Math.Max(3, 2e9 / s.Flops);
                long start = System.Diagnostics.Stopwatch.GetTimestamp();
                for (int i = 0; i < reps; i++) b.Gemm();
                double sec = System.Diagnostics.Stopwatch.GetElapsedTime(start).TotalSeconds / reps;
                Console.WriteLine($"{s,-28} threads {t}: {s.Flops / sec / 1e9,7:F1} GFLOP/s ({sec * 1e6:F0} us)");
            }
    }

    /// <summary>
    /// One thread, timed by the process's CPU time rather than the wall clock, so a busy
    /// machine (other processes sharing the cores) distorts the figure less:
    /// `dotnet run -c Release -- gflops --cpu`.
    /// </summary>
    private static void RunCpuTime()
    {
        var proc = System.Diagnostics.Process.GetCurrentProcess();
        foreach (var s in GemmBenchmarks.Shapes.Concat(GemmBenchmarks.RbmShapes))
        {
            var b = new GemmBenchmarks { S = s, Threads = 1 };
            b.Setup();
            for (int i = 0; i < 3; i++) b.Gemm();
            int reps = (int)Math.Max(3, 4e9 / s.Flops);
            double best = double.MaxValue;
            for (int round = 0; round < 5; round++)
            {
                proc.Refresh();
                var start = proc.TotalProcessorTime;
                for (int i = 0; i < reps; i++) b.Gemm();
                proc.Refresh();
                best = Math.Min(best, (proc.TotalProcessorTime - start).TotalSeconds / reps);
            }
            Console.WriteLine($"{s,-28} 1 thread, CPU time: {s.Flops / best / 1e9,7:F1} GFLOP/s ({best * 1e6:F0} us)");
        }
    }
}
