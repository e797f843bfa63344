using System.Diagnostics;
using InitLab.Tensors;

namespace InitLab.Bench;

/// <summary>
/// The GEMMs of one training epoch alone, at the measured throughput of each of them: for an
/// MLP, one step's forward x·Wᵀ per layer, weight gradient dyᵀ·x per layer and input gradient
/// dy·W per layer but the first (the shapes and kernels <c>initlab train</c> runs, with the bias
/// and ReLU epilogues the forward fuses), each timed in a loop on the given thread count; the
/// step's total times the steps of an epoch is the time an epoch would take if it did nothing
/// but its GEMMs: the floor the training epoch is compared with. For an RBM (--rbm HIDDEN),
/// the GEMMs of a CD-1 step as the trainer runs them. Usage:
/// <c>dotnet run -c Release -- epoch-gemms --layers 784,256,256,10 --batch 100 --samples 60000 --threads 2</c>
/// or <c>-- epoch-gemms --rbm 500 --visible 784 --batch 100 --samples 60000 --threads 2</c>.
/// Prints one line per GEMM, the step's GEMMs timed one after another (each then finds less of
/// its data in the caches), and, last, <c>epoch GEMMs alone: S s</c> (the sum of each GEMM
/// timed by itself: the floor the targets use).
/// </summary>
public static class EpochGemms
{
    private sealed record Call(string Name, bool TA, bool TB, int M, int N, int K, bool Epilogue, bool Sigmoid = false,
        bool PackedB = false, bool SumOfTwo = false);

    public static void Run(string[] args)
    {
        string Arg(string name, string fallback)
        {
            int i = Array.IndexOf(args, name);
            return i >= 0 && i + 1 < args.Length ? args[i + 1] : fallback;
        }
        int batch = int.Parse(Arg("--batch", "100")), samples = int.Parse(Arg("--samples", "60000"));
        int threads = int.Parse(Arg("--threads", "2"));
        var calls = new List<Call>();
        if (args.Contains("--rbm"))
        {
            int h = int.Parse(Arg("--rbm", "500")), v = int.Parse(Arg("--visible", "784"));
            // As RbmTrainer's step: h+ packs Wᵀ (the step packs it once), h- reuses it, and the
            // two weight-gradient products are one GEMM (Gemm.MultiplySum).
            calls.Add(new("h+ = σ(v·Wᵀ+c)", false, true, batch, h, v, true, Sigmoid: true));
            calls.Add(new("v- = σ(h·W+b)", false, false, batch, v, h, true, Sigmoid: true));
            calls.Add(new("h- (Wᵀ packed)", false, true, batch, h, v, true, Sigmoid: true, PackedB: true));
            calls.Add(new("dW = h+ᵀv - h-ᵀv-", true, false, h, v, batch, false, SumOfTwo: true));
        }
        else
        {
            var sizes = Arg("--layers", "784,256,256,10").Split(',').Select(int.Parse).ToArray();
            for (int l = 0; l + 1 < sizes.Length; l++)
            {
                int fanIn = sizes[l], fanOut = sizes[l + 1];
                calls.Add(new($"layer {l + 1} forward", false, true, batch, fanOut, fanIn, true));
                calls.Add(new($"layer {l + 1} dW", true, false, fanOut, fanIn, batch, false));
                if (l > 0) calls.Add(new($"layer {l + 1} dx", false, false, batch, fanIn, fanOut, false));
            }
        }
        int steps = samples / batch;
        double stepSeconds = 0, flops = 0;
        Console.WriteLine($"{GemmKernels.Describe()}; {threads} thread(s); {steps} steps of batch {batch}");
        using var scope = Compute.UseThreads(threads);
        var step = new List<Action>();
        var keep = new List<IDisposable>();
        foreach (var c in calls)
        {
            var r = new System.Random(1);
            var a = Enumerable.Range(0, c.M * c.K).Select(_ => (float)r.NextDouble() - 0.5f).ToArray();
            var b = Enumerable.Range(0, c.K * c.N).Select(_ => (float)r.NextDouble() - 0.5f).ToArray();
            var dst = new float[c.M * c.N];
            var bias = new float[c.N];
            var epilogue = c.Epilogue ? new GemmEpilogue { ColumnBias = bias, Relu = !c.Sigmoid, Sigmoid = c.Sigmoid } : default;
            var ta = new Tensor(a, c.TA ? c.K : c.M, c.TA ? c.M : c.K);
            var tb = new Tensor(b, c.TB ? c.N : c.K, c.TB ? c.K : c.N);
            var tc = new Tensor(dst, c.M, c.N);
            var packed = new PackedMatrix();
            keep.Add(packed);
            if (c.PackedB) packed.Pack(tb, c.TB);
            void Once()
            {
                if (c.SumOfTwo) Gemm.MultiplySum(ta, tb, 1f, ta, tb, -1f, c.TA, tc, 0.5f);
                else if (c.PackedB) Gemm.Multiply(ta, c.TA, packed, tc, epilogue: epilogue);
                else Gemm.Multiply(c.TA, c.TB, c.M, c.N, c.K, 1f, a, c.TA ? c.M : c.K, b, c.TB ? c.K : c.N, 0f, dst, c.N, epilogue: epilogue);
            }
            for (int i = 0; i < 20; i++) Once();
            double f = 2.0 * c.M * c.N * c.K * (c.SumOfTwo ? 2 : 1);
            int reps = (int)Math.Max(20, 1e9 / f);
            double best = double.MaxValue;
            for (int round = 0; round < 7; round++)
            {
                long t = Stopwatch.GetTimestamp();
                for (int i = 0; i < reps; i++) Once();
                best = Math.Min(best, Stopwatch.GetElapsedTime(t).TotalSeconds / reps);
            }
            stepSeconds += best;
            flops += f;
            step.Add(Once);
            Console.WriteLine($"{c.Name,-20} {(c.TA ? "T" : "N")}{(c.TB ? "T" : "N")} {c.M}x{c.N}x{c.K,-5} {best * 1e6,8:F1} us  {f / best / 1e9,6:F1} GFLOP/s");
        }
        // The same GEMMs one after another, as a step runs them (each its own operands, so each
        // finds less of its data in the caches than when it runs in a loop by itself).
        void Step() { foreach (var once in step) once(); }
        for (int i = 0; i < 20; i++) Step();
        double bestStep = double.MaxValue;
        int stepReps = (int)Math.Max(20, 1e9 / flops);
        for (int round = 0; round < 7; round++)
        {
            long t = Stopwatch.GetTimestamp();
            for (int i = 0; i < stepReps; i++) Step();
            bestStep = Math.Min(bestStep, Stopwatch.GetElapsedTime(t).TotalSeconds / stepReps);
        }
        foreach (var d in keep) d.Dispose();
        Console.WriteLine($"the step's GEMMs one after another: {bestStep * 1e6:F0} us ({flops / bestStep / 1e9:F1} GFLOP/s); epoch: {bestStep * steps:F4} s");
        Console.WriteLine($"one step: {flops / 1e6:F1} MFLOP in {stepSeconds * 1e6:F0} us ({flops / stepSeconds / 1e9:F1} GFLOP/s)");
        Console.WriteLine($"epoch GEMMs alone: {stepSeconds * steps:F4} s");
    }
}
