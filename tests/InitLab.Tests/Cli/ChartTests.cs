using System.Globalization;
using InitLab.Cli;
using InitLab.Diagnostics;
using ScottPlot;

namespace InitLab.Tests.Cli;

/// <summary>Issue 15's "Charts people can read": what a test can see of each chart, checked on the objects and numbers that draw it.</summary>
public class ChartTests
{
    private static double Value(ChartTicks.Tick t) => double.Parse(t.Label, CultureInfo.InvariantCulture);

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(5)]
    [InlineData(15)]
    [InlineData(37)]
    [InlineData(100)]
    public void EpochTicksAreWholeEpochsFromTheFirstToTheLast(int epochs)
    {
        var ticks = ChartTicks.Epochs(epochs);
        Assert.All(ticks, t => Assert.Equal(Math.Round(t.Position), t.Position));
        Assert.All(ticks, t => Assert.Equal(t.Position.ToString(CultureInfo.InvariantCulture), t.Label));
        Assert.Equal(1, ticks[0].Position);
        Assert.Equal(epochs, ticks[^1].Position);
        Assert.True(ticks.Zip(ticks.Skip(1)).All(p => p.Second.Position > p.First.Position));
        Assert.InRange(ticks.Count, Math.Min(epochs, 2), 13);
        // A short run labels every epoch (the bug: 0.95 1 1.05 ... on a 2-epoch axis).
        if (epochs <= 12) Assert.Equal(epochs, ticks.Count);
    }

    [Theory]
    [InlineData(0.2, 0.6)]     // under half a decade
    [InlineData(0.05, 0.9)]    // just under a decade
    [InlineData(0.2, 450)]     // three decades: the 2-epoch report's cost axis
    [InlineData(1e-3, 2e-3)]
    [InlineData(3e6, 5e6)]
    public void ALogAxisSpanningFewDecadesLabelsAtLeastFourTicksAtTheirValues(double low, double high)
    {
        var ticks = ChartTicks.Log(Math.Log10(low), Math.Log10(high));
        var labelled = ticks.Where(t => t.Label.Length > 0).ToList();
        Assert.True(labelled.Count >= 4, string.Join(" ", labelled.Select(t => t.Label)));
        // Each label is the value at its position (an independent reading: parse the text back).
        Assert.All(labelled, t => Assert.Equal(Math.Pow(10, t.Position), Value(t), Math.Pow(10, t.Position) * 1e-9));
        Assert.All(ticks, t => Assert.InRange(t.Position, Math.Log10(low) - 1e-9, Math.Log10(high) + 1e-9));
    }

    [Fact]
    public void ALogAxisUnderADecadeLabelsItsMinorTicks()
    {
        var labels = ChartTicks.Log(Math.Log10(0.2), Math.Log10(0.6)).Where(t => t.Label.Length > 0).Select(t => t.Label).ToList();
        Assert.Equal(["0.2", "0.3", "0.4", "0.5", "0.6"], labels);
    }

    [Fact]
    public void AWideLogAxisLabelsDecadesAtMultiplesOfItsStepInOneNotation()
    {
        var labelled = ChartTicks.Log(-5.3, 30.4).Where(t => t.Label.Length > 0).ToList();
        Assert.Equal(["1e-5", "1e0", "1e5", "1e10", "1e15", "1e20", "1e25", "1e30"], labelled.Select(t => t.Label));
        Assert.All(labelled, t => Assert.Equal(Math.Pow(10, t.Position), Value(t), Math.Pow(10, t.Position) * 1e-9));
    }

    [Fact]
    public void AZeroRowAppearsOnlyWhenAValueIsZeroAndSitsBelowAnAxisBreak()
    {
        var none = new LogRows([0.1, 0.5, 3]);
        Assert.DoesNotContain(none.Ticks, t => t.Label == "0");
        Assert.Null(none.ZeroBreak);
        Assert.Null(none.InfBreak);

        var rows = new LogRows([0.0, 0.1, 0.5, 3, double.PositiveInfinity]);
        var zero = Assert.Single(rows.Ticks, t => t.Label == "0");
        var data = rows.Ticks.Where(t => t.Label is not ("0" or "inf/NaN") && t.Label.Length > 0).ToList();
        var brk = Assert.NotNull(rows.ZeroBreak);
        // The break lies between the "0" row and every data tick and value.
        Assert.True(zero.Position < brk.Low && brk.High < data.Min(t => t.Position), $"{zero.Position} {brk} {data.Min(t => t.Position)}");
        Assert.True(brk.High < Math.Log10(0.1));
        Assert.Equal(zero.Position, rows.Y(0));
        Assert.InRange(zero.Position, rows.Bottom, rows.Top);
        var inf = Assert.Single(rows.Ticks, t => t.Label == "inf/NaN");
        var top = Assert.NotNull(rows.InfBreak);
        Assert.True(Math.Log10(3) < top.Low && top.High < inf.Position);
        Assert.Equal(inf.Position, rows.Y(double.NaN));
    }

    [Fact]
    public void CoincidingSeriesAreSetApartAndOthersStayInPlace()
    {
        // The ReLU dead-units panel of a deep network: normal, Xavier and He all 0% dead in layer 1..3.
        double[] same = [0, 0, 0.4];
        var offsets = StdPlot.Dodge([[100, 100, 100], same, [.. same], [.. same], [10, 40, 60]], 0.1);
        Assert.Equal(0, offsets[0]);
        Assert.Equal(0, offsets[4]);
        Assert.Equal(3, offsets[1..4].Distinct().Count());
        Assert.Equal(0, offsets[1..4].Sum(), 12);
        Assert.All(offsets[1..4], o => Assert.InRange(Math.Abs(o), 0, 0.1 + 1e-12));
        Assert.All(StdPlot.Dodge([[1, 2], [1, 3]], 0.1), o => Assert.Equal(0, o));
    }

    [Fact]
    public void EachSeriesHasItsOwnMarkerShapeAndNoTwoShareColourAndShape()
    {
        Assert.Equal(8, Enumerable.Range(0, 8).Select(StdPlot.ShapeFor).Distinct().Count());
        // 20 colours and 8 shapes cycle together: the first 40 styles (lcm 40) are distinct pairs.
        const int styles = 40;
        Assert.Equal(styles, Enumerable.Range(0, styles).Select(i => (ReportCharts.ColorFor(i), StdPlot.ShapeFor(i))).Distinct().Count());
    }

    [Fact]
    public void CloseGoodInitializersGetAZoomedAxisThatShowsTheirErrorBars()
    {
        // The 2-epoch report: zeros 11%, normal 76%, then three within half a point.
        var acc = new List<(double, double)> { (11.3, 0.1), (75.8, 0.2), (93.2, 0.7), (93.4, 0.9), (93.1, 0.55) };
        var zoom = Assert.NotNull(ReportCharts.Zoom(acc));
        Assert.Equal([2, 3, 4], zoom.Members);
        Assert.True(zoom.Low < 93.4 - 0.9 && zoom.Low < 93.1 - 0.55 && zoom.High > 93.4 + 0.9, zoom.ToString());
        Assert.True(zoom.High - zoom.Low < 10);
        // One good initializer, or good ones far apart: the 0–100 bars say it all.
        Assert.Null(ReportCharts.Zoom([(50, 1), (90, 1)]));
        Assert.Null(ReportCharts.Zoom([(86, 4), (90, 4)]));
    }

    [Fact]
    public void BarNamesAreTurnedWithoutTickMarksAndWithoutALegend()
    {
        using var plot = new Plot();
        ReportCharts.NameAxis(plot, ["zeros", "normal:std=1", "xavier-normal", "he-normal"]);
        Assert.Equal(0, plot.Axes.Bottom.MajorTickStyle.Length);
        Assert.NotEqual(0, plot.Axes.Bottom.TickLabelStyle.Rotation);
        plot.Axes.SetLimitsX(-1, 4);
        using (plot.GetImage(600, 400)) { }   // rendering lays out the ticks
        Assert.Equal(["zeros", "normal:std=1", "xavier-normal", "he-normal"], plot.Axes.Bottom.TickGenerator.Ticks.Where(t => t.IsMajor).Select(t => t.Label));
        Assert.False(LegendShown(plot));
    }

    /// <summary>A legend inside the plot, or beside it in a panel of its own (ShowLegend(Edge)).</summary>
    private static bool LegendShown(Plot p) => p.Legend.IsVisible || p.Axes.GetPanels().OfType<ScottPlot.Panels.LegendPanel>().Any();

    private static IReadOnlyList<LayerStats> Net(int layers, double scale) =>
        [.. Enumerable.Range(1, layers).Select(l => new LayerStats(l, 10, 0, scale * l, l == layers ? double.NaN : 0.1 * l, scale, l == layers) { PreActivationSquare = scale })];

    [Theory]
    [InlineData(2, true)]     // 784-128-10
    [InlineData(31, false)]   // 30 hidden layers
    public void EveryInspectPanelHasItsOwnTitleAndALegendOfTheNamesAsTyped(int layers, bool bars)
    {
        (string, IReadOnlyList<LayerStats>)[] series = [("normal", Net(layers, 1)), ("xavier-normal", Net(layers, 0.5)), ("he-normal", Net(layers, 0.7))];
        var panels = StdPlot.Panels("784-128-10 relu, batch 256", "dead", series, predicted: [null, null, null], footnote: InitNames.Footnote(["normal", "xavier-normal", "he-normal"]));
        try
        {
            Assert.Equal(4, panels.Count);
            var titles = panels.Select(p => p.Axes.Title.Label.Text).ToList();
            Assert.All(titles, t => Assert.EndsWith(": 784-128-10 relu, batch 256", t));
            Assert.Equal(4, titles.Distinct().Count());
            foreach (var p in panels)
            {
                Assert.True(LegendShown(p));
                var names = p.GetPlottables().SelectMany(x => x.LegendItems).Select(i => i.LabelText).Where(t => !string.IsNullOrEmpty(t)).ToList();
                Assert.All(new[] { "normal", "xavier-normal", "he-normal" }, n => Assert.Contains(names, x => x == n || x.StartsWith(n + " ", StringComparison.Ordinal)));
                Assert.DoesNotContain(names, x => x.Contains("kaiming", StringComparison.Ordinal));
            }
            // A shallow network is drawn as grouped bars, not lines of two dots; a deep one as lines.
            Assert.Equal(bars, panels[0].GetPlottables().OfType<ScottPlot.Plottables.BarPlot>().Any());
            Assert.Equal(!bars, panels[0].GetPlottables().OfType<ScottPlot.Plottables.Scatter>().Any());
            Assert.Contains("he-normal is kaiming-normal", panels[^1].Axes.Bottom.Label.Text);
        }
        finally
        {
            foreach (var p in panels) p.Dispose();
        }
    }

    [Fact]
    public void InspectPrintsTheNamesAsTypedWithTheCanonicalNameBeside()
    {
        using var d = new TempDir();
        IdxWriter.WriteDataset(d.Path, train: 64, test: 10);
        var (code, output, err) = CliTests.Run("inspect", "--data", d.Path, "--layers", "784,16,10", "--batch", "32", "--compare", "xavier-normal,he-normal");
        Assert.True(code == 0, err);
        Assert.Contains("init he-normal (kaiming-normal): 784-16-10 relu", output);
        Assert.Contains("init xavier-normal: 784-16-10 relu", output);
        Assert.Matches(@"layer\s+xavier-normal\s+he-normal", output);
    }

    [Fact]
    public void FootnoteNamesOnlyTheAliases()
    {
        Assert.Null(InitNames.Footnote(["xavier-normal", "Xavier-Normal", "normal:std=1"]));
        Assert.Equal("Names as typed; he-normal is kaiming-normal; glorot_uniform is xavier-uniform.", InitNames.Footnote(["he-normal", "xavier-normal", "glorot_uniform"]));
    }

    [Fact]
    public void AnRbmFilterGridHasATitleAndAGreyScaleBarWithZeroAtMidGrey()
    {
        Assert.Equal(128, ImageGrid.Grey(0, 0.3f, symmetric: true));
        Assert.Equal(0, ImageGrid.Grey(-0.3f, 0.3f, symmetric: true));
        Assert.Equal(255, ImageGrid.Grey(0.3f, 0.3f, symmetric: true));
        Assert.Equal(0, ImageGrid.Grey(0, 1, symmetric: false));

        using var d = new TempDir();
        string png = d.File("f.png");
        // Four 4x4 filters: each a ramp from -a to +a with a 0 in its first pixel.
        var tiles = Enumerable.Range(1, 4).Select(a => Enumerable.Range(0, 16).Select(i => i == 0 ? 0f : a * (i - 8) / 8f).ToArray()).ToList();
        ImageGrid.Save(png, tiles, 4, 4, normalize: true, "RBM filters: test", scale: 3);
        var (grey, width, height) = GreyImage.Read(png);
        int gridHeight = (2 * 5 + 1) * 3;
        Assert.True(height > gridHeight + 40, $"{height}");
        // The title strip has ink; the first filter's 0 pixel is mid grey.
        Assert.Contains(Enumerable.Range(0, 20 * width).Select(i => grey[i]), g => g < 0.5f);
        int left = (width - (2 * 5 + 1) * 3) / 2;
        float zeroPixel = grey[(26 + 3 + 1) * width + left + 3 + 1];
        Assert.Equal(128 / 255f, zeroPixel, 0.01f);
    }
}
