using System.Globalization;
using InitLab.Init;
using InitLab.Theory;
using InitLab.Training;

namespace InitLab.Experiments;

/// <summary>One cell of a trainability phase diagram: its σw², depth and the run's final test accuracy (null when not finished or invalid).</summary>
/// <param name="WeightVariance">σw².</param>
/// <param name="Depth">Linear layers, the output layer included.</param>
/// <param name="Accuracy">Test accuracy after the run's training.</param>
public sealed record PhaseCell(double WeightVariance, int Depth, double? Accuracy);

/// <summary>
/// The trainability phase diagram of Schoenholz et al. 2017 (Fig. 5 in spirit) as a sweep: one run
/// per (σw², depth), each a tanh network of equal hidden widths with weights
/// <c>mean-field:weight_var=σw²</c> and biases N(0, σb²), trained for a fixed number of SGD
/// steps. Runs are the sweep's (one folder each, resumable, shardable); <see cref="Collect"/> reads
/// them back, and <see cref="TheoryDepth"/> is the curve the trainable region should follow.
/// </summary>
/// <param name="WeightVariances">The σw² of the grid's columns.</param>
/// <param name="Depths">The depths (Linear layers) of its rows.</param>
/// <param name="Width">Every hidden layer's width.</param>
/// <param name="BiasVariance">σb².</param>
/// <param name="Activation">The activation (tanh in the paper).</param>
public sealed record PhaseGrid(IReadOnlyList<double> WeightVariances, IReadOnlyList<int> Depths, int Width, double BiasVariance, string Activation = "tanh")
{
    /// <summary>The default σw² column: 1.0 to 4.0 by 0.25 (the critical point for tanh at σb² = 0.05 is ≈ 1.76).</summary>
    public static IReadOnlyList<double> DefaultWeightVariances { get; } = Enumerable.Range(0, 13).Select(i => 1.0 + 0.25 * i).ToArray();

    /// <summary>The default depths: 10 to 100.</summary>
    public static IReadOnlyList<int> DefaultDepths { get; } = [10, 20, 30, 45, 60, 80, 100];

    /// <summary>The initializer of column σw², as the sweep's run names it.</summary>
    public static string InitOf(double weightVariance) => "mean-field:weight_var=" + weightVariance.ToString("R", CultureInfo.InvariantCulture);

    /// <summary>Layer sizes of a network of <paramref name="depth"/> Linear layers for <paramref name="inputs"/> inputs and <paramref name="classes"/> classes.</summary>
    public int[] SizesOf(int depth, int inputs = 784, int classes = 10) =>
        [inputs, .. Enumerable.Repeat(Width, depth - 1), classes];

    /// <summary>The sweep's runs (one seed), sorted as every shard sorts them.</summary>
    public IReadOnlyList<SweepRun> Runs(ulong seed, int inputs = 784, int classes = 10)
    {
        if (WeightVariances.Count == 0 || Depths.Count == 0) throw new UserInputException("A phase grid needs at least one σw² and one depth.");
        if (WeightVariances.Any(v => !(v >= 0) || !double.IsFinite(v))) throw new UserInputException("σw² values must be finite numbers ≥ 0.");
        if (Depths.Any(d => d < 2)) throw new UserInputException($"Depths must be at least 2 Linear layers, got {string.Join(",", Depths)}.");
        if (Width < 1) throw new UserInputException($"The width must be at least 1, got {Width}.");
        return SweepGrid.Build(WeightVariances.Select(InitOf).ToList(), Depths.Select(d => SizesOf(d, inputs, classes)).ToList(), [Activation], 1, seed);
    }

    /// <summary>The bias rule of every run: N(0, σb²).</summary>
    public BiasInit Bias => BiasInit.Normal((float)Math.Sqrt(BiasVariance));

    /// <summary>
    /// Every cell's accuracy from the finished runs in <paramref name="outDir"/>, row by row
    /// (depths) and column by column (σw²); a cell whose run is missing or invalid has none.
    /// </summary>
    public IReadOnlyList<PhaseCell> Collect(string outDir, ulong seed, int inputs = 784, int classes = 10)
    {
        var cells = new List<PhaseCell>();
        foreach (int depth in Depths)
            foreach (double v in WeightVariances)
            {
                var run = new SweepRun(InitOf(v), SizesOf(depth, inputs, classes), Activation, seed, 0, 0, 0, 0);
                string dir = Path.Combine(outDir, run.Id);
                double? accuracy = null;
                if (RunFiles.IsFinished(dir))
                {
                    var result = RunFiles.Read(dir).Result;
                    if (result.Ok) accuracy = result.FinalAccuracy;
                }
                cells.Add(new PhaseCell(v, depth, accuracy));
            }
        return cells;
    }

    /// <summary>
    /// The theory's trainable depth at σw²: <paramref name="multiple"/>·ξ_c (Schoenholz et al. find
    /// networks train up to about 6·ξ_c); +∞ on the critical line. ξ_c is computed to a picture's
    /// precision (~1e−6 relative, see <see cref="PhaseDiagram"/>), because a curve takes hundreds of them.
    /// </summary>
    public double TheoryDepth(double weightVariance, double multiple = 6) =>
        multiple * PhaseDiagram.DepthScaleCForPicture(new MeanField(Phi.Parse(Activation), weightVariance, BiasVariance, 60));
}
