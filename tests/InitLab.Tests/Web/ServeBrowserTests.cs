using InitLab.Training;
using InitLab.Web;
using PuppeteerSharp;
using PuppeteerSharp.Input;

namespace InitLab.Tests.Web;

/// <summary>
/// The live view in Debian's headless Chromium (driven by PuppeteerSharp, no browser download):
/// start a run from the form and watch its charts and histograms, see a form error, stop a run,
/// open a sweep and hide a series. Screenshots go to $INITLAB_SCREENSHOTS when it is set.
/// </summary>
[Collection(Training.SerialCollection.Name)]
public class ServeBrowserTests
{
    private const string Chromium = "/usr/bin/chromium";

    [SkippableFact]
    public async Task LiveRunHistogramsStopAndSweepInHeadlessChromium()
    {
        Skip.IfNot(File.Exists(Chromium), $"{Chromium} is not installed (apt-get install chromium); the browser test is skipped.");
        using var d = new TempDir();
        Directory.CreateDirectory(d.File("data"));
        IdxWriter.WriteDataset(d.File("data"), train: 300, test: 60);
        var (code, _, err) = InitLab.Tests.Cli.CliTests.Run("compare", "--data", d.File("data"), "--out", d.File("sweep"), "--layers", "784,16,16,10",
            "--inits", "zeros,normal:std=1,xavier-uniform,he-normal", "--seeds", "2", "--epochs", "3", "--threads", "1");
        Assert.True(code == 0, err);
        (code, _, err) = InitLab.Tests.Cli.CliTests.Run("train", "--data", d.File("data"), "--layers", "784,16,10", "--epochs", "2", "--batch-size", "50",
            "--threads", "1", "--quiet", "--log", d.File("cli-run"));
        Assert.True(code == 0, err);
        await using var server = await LabServer.StartAsync(new LabServerOptions { Dir = d.Path, Port = 0, Log = new() { SampleEvery = 1 } });
        await using var browser = await Launch(d);
        await using var page = await browser.NewPageAsync();
        await page.SetViewportAsync(new ViewPortOptions { Width = 1400, Height = 1000 });
        await page.GoToAsync(server.OpenUrl);
        await page.WaitForFunctionAsync("() => document.querySelectorAll('#f-init option').length > 5 && document.querySelectorAll('#sweeps a').length > 0");

        // The run trained by `train --log`: its curves and histograms, read from its log.
        await Click(page, "#runs a[data-path='cli-run']");
        await page.WaitForFunctionAsync("() => document.getElementById('main').dataset.done === '1' && document.querySelectorAll('#hists canvas').length === 1");
        Assert.StartsWith("finished", await page.EvaluateExpressionAsync<string>("document.getElementById('run-status').textContent"));
        Assert.Equal(2, await page.EvaluateFunctionAsync<int>("() => window.initlab.plots()[1].u.data[0].length"));

        // A bad value: the message names the field, on the page.
        await Fill(page, "#f-data", "data");
        await Fill(page, "#f-layers", "784,0,10");
        await page.ClickAsync("#start");
        await page.WaitForFunctionAsync("() => document.getElementById('form-error').textContent.includes('layers')");

        // A short run, watched live: the cost chart and one histogram per layer fill in, the run ends finished.
        await Fill(page, "#f-layers", "784,32,16,10");
        // He initialization is listed under its canonical name, with its aliases in the label.
        await page.SelectAsync("#f-init", "kaiming-normal");
        Assert.Equal("kaiming-normal", await page.EvaluateExpressionAsync<string>("document.getElementById('f-init').value"));
        await Fill(page, "#f-epochs", "4");
        await Fill(page, "#f-batch", "20");
        await page.ClickAsync("#start");
        await page.WaitForFunctionAsync("() => document.querySelectorAll('#hists canvas').length === 2", new WaitForFunctionOptions { Timeout = 120_000 });
        await page.WaitForFunctionAsync("() => document.getElementById('run-status').textContent.startsWith('finished')", new WaitForFunctionOptions { Timeout = 180_000 });
        await page.WaitForFunctionAsync("() => document.querySelectorAll('#cost-chart .u-over').length === 1");
        int points = await page.EvaluateFunctionAsync<int>("() => document.querySelectorAll('#acc-chart .u-legend tr').length");
        Assert.True(points >= 2);
        await page.SelectAsync("#kind", "activation");
        await Task.Delay(500);
        // The histograms' x axis is the step: from the sample right after initialization to the last step (4 epochs of 300/20 batches).
        var range = await page.EvaluateFunctionAsync<int[]>("() => [...document.querySelectorAll('#hists canvas')].flatMap(c => [+c.dataset.firstStep, +c.dataset.lastStep])");
        Assert.Equal([0, 60, 0, 60], range);
        await Shot(page, "serve-run.png");

        // A long run, stopped from the page.
        await Fill(page, "#f-epochs", "10000");
        await page.ClickAsync("#start");
        await page.WaitForFunctionAsync("() => document.getElementById('run-status').textContent.startsWith('training') || document.getElementById('run-status').textContent.startsWith('epoch')", new WaitForFunctionOptions { Timeout = 120_000 });
        await Click(page, "#stop");
        await page.WaitForFunctionAsync("() => document.getElementById('run-status').textContent.startsWith('stopped')", new WaitForFunctionOptions { Timeout = 120_000 });

        // Both runs started here are checked: compared on one chart each for cost per step, test accuracy and cost per epoch.
        Assert.Equal(2, await page.EvaluateFunctionAsync<int>("() => document.querySelectorAll('#runs input.pick:checked').length"));
        await Click(page, "#compare");
        await page.WaitForFunctionAsync("() => document.querySelectorAll('#compare-view .uplot').length === 3 && document.getElementById('main').dataset.done === '1'", new WaitForFunctionOptions { Timeout = 60_000 });
        // Each run has its own series with values in it on the cost-per-step chart.
        var filled = await page.EvaluateFunctionAsync<bool[]>("() => window.initlab.plots()[0].u.data.slice(1).map(ys => ys.some(v => v != null))");
        Assert.Equal([true, true], filled);
        Assert.Equal(3, await page.EvaluateFunctionAsync<int>("() => document.querySelectorAll('#compare-view .uplot')[0].querySelectorAll('.u-legend .u-series').length"));

        // The sweep: table, learning curves and the report's per-layer charts (activation sd, dead units, gradient norm at init; sd and dead after training).
        await Click(page, "#sweeps a[data-path='sweep']");
        await page.WaitForFunctionAsync("() => document.querySelectorAll('#sweep .uplot').length === 7");
        string table = await page.EvaluateFunctionAsync<string>("() => document.querySelector('#sweep table').textContent");
        Assert.Contains("he-normal", table);
        string titles = await page.EvaluateFunctionAsync<string>("() => [...document.querySelectorAll('#sweep .u-title')].map(t => t.textContent).join('|')");
        Assert.Equal("Test accuracy per epoch|Training cost per epoch|Activation sd per layer|dead units per layer (%)|Weight gradient norm per layer|Activation sd per layer|dead units per layer (%)", titles);
        // zeros: every ReLU unit of every hidden layer is dead at initialization (all its inputs and weights are 0).
        var zerosDead = await page.EvaluateFunctionAsync<double?[]>("() => window.initlab.plots()[3].u.data[1]");
        Assert.Equal([100.0, 100.0, null], zerosDead);

        // Clicking a legend entry hides that series; a drag zooms the x axis; the log/linear switch keeps both.
        await page.ClickAsync("#sweep .uplot .u-legend .u-series:nth-child(2)");
        bool off = await page.EvaluateFunctionAsync<bool>("() => document.querySelector('#sweep .uplot .u-legend .u-series:nth-child(2)').classList.contains('u-off')");
        Assert.True(off, "clicking the legend entry did not hide the series");
        var box = (await (await page.QuerySelectorAsync("#sweep .uplot .u-over")).BoundingBoxAsync())!;
        decimal y = box.Y + box.Height / 2;
        await page.Mouse.MoveAsync(box.X + box.Width * 0.3m, y);
        await page.Mouse.DownAsync();
        await page.Mouse.MoveAsync(box.X + box.Width * 0.7m, y + 5, new MoveOptions { Steps = 8 });
        await page.Mouse.UpAsync();
        await page.WaitForFunctionAsync("() => window.initlab.plots()[0].zoom.x !== null");
        var zoomed = await page.EvaluateFunctionAsync<double[]>("() => [window.initlab.plots()[0].u.scales.x.min, window.initlab.plots()[0].u.scales.x.max]");
        Assert.True(zoomed[0] > 1 && zoomed[1] < 3 && zoomed[0] < zoomed[1], $"the drag did not zoom into epochs 1..3: {zoomed[0]}..{zoomed[1]}");
        await page.ClickAsync("#scale");
        await page.WaitForFunctionAsync("() => document.querySelectorAll('#sweep .uplot').length === 7 && document.getElementById('scale').textContent === 'linear y'");
        var after = await page.EvaluateFunctionAsync<double[]>("() => [window.initlab.plots()[0].u.scales.x.min, window.initlab.plots()[0].u.scales.x.max]");
        Assert.Equal(zoomed, after);
        Assert.True(await page.EvaluateFunctionAsync<bool>("() => document.querySelector('#sweep .uplot .u-legend .u-series:nth-child(2)').classList.contains('u-off') && !window.initlab.plots()[0].u.series[1].show"),
            "the log/linear switch showed the hidden series again");
        // A double click resets the zoom.
        await page.Mouse.ClickAsync(box.X + box.Width / 2, y, new ClickOptions { Count = 2 });
        await page.WaitForFunctionAsync("() => window.initlab.plots()[0].zoom.x === null");
        await Shot(page, "serve-sweep.png");
    }

    private static Task<IBrowser> Launch(TempDir d) => Puppeteer.LaunchAsync(new LaunchOptions
    {
        ExecutablePath = Chromium, Headless = true, UserDataDir = d.File("profile"),
        Args = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
    });

    /// <summary>
    /// The compare view follows two runs whose logs the test writes in stages, so that new steps
    /// land past the end of the shared x axis, on steps already there (the other run's), and
    /// between steps already there. After each stage the cost chart holds exactly the union of
    /// both runs' steps in ascending order, each run's costs at its own steps and gaps elsewhere;
    /// at the end the per-epoch charts likewise.
    /// </summary>
    [SkippableFact]
    public async Task CompareChartsKeepEveryRunsPointsInStepOrderAsTheLogsGrow()
    {
        Skip.IfNot(File.Exists(Chromium), $"{Chromium} is not installed (apt-get install chromium); the browser test is skipped.");
        using var d = new TempDir();
        var runs = new[] { "a", "b" };
        var costs = runs.ToDictionary(r => r, _ => new SortedDictionary<int, double>());
        foreach (var r in runs)
        {
            LoggedRun.WriteConfig(d.File(r), TrainConfig.Note with { Data = "mnist", Layers = [784, 12, 10] });
            File.WriteAllText(Path.Combine(d.File(r), TrainingLog.FileName), "{\"type\":\"start\",\"sample_every\":50}\n");
        }
        // Costs with exact binary values, distinct per run.
        void Steps(string run, IEnumerable<int> steps)
        {
            var lines = new System.Text.StringBuilder();
            foreach (int s in steps)
            {
                double cost = (run == "a" ? 1 : 2) + s / 8.0;
                costs[run][s] = cost;
                lines.Append($"{{\"type\":\"step\",\"step\":{s},\"epoch\":1,\"batch\":{s},\"cost\":{cost.ToString(System.Globalization.CultureInfo.InvariantCulture)}}}\n");
            }
            File.AppendAllText(Path.Combine(d.File(run), TrainingLog.FileName), lines.ToString());
        }
        await using var server = await LabServer.StartAsync(new LabServerOptions { Dir = d.Path, Port = 0 });
        await using var browser = await Launch(d);
        await using var page = await browser.NewPageAsync();
        await page.SetViewportAsync(new ViewPortOptions { Width = 1400, Height = 1000 });

        async Task Expect(string stage)
        {
            var xs = costs["a"].Keys.Union(costs["b"].Keys).Order().ToArray();
            await page.WaitForFunctionAsync("n => window.initlab.plots().length === 3 && window.initlab.plots()[0].u.data[0].length === n",
                new WaitForFunctionOptions { Timeout = 60_000 }, xs.Length);
            // Values set in place arrive with the same read as the steps that complete the axis; one more refresh to be sure.
            await Task.Delay(700);
            var data = await page.EvaluateFunctionAsync<double?[][]>("() => window.initlab.plots()[0].u.data");
            Assert.True(xs.Select(x => (double?)x).SequenceEqual(data[0]), $"{stage}: x axis {string.Join(",", data[0])}");
            for (int r = 0; r < runs.Length; r++)
            {
                var expected = xs.Select(x => costs[runs[r]].TryGetValue(x, out double c) ? c : (double?)null);
                Assert.True(expected.SequenceEqual(data[r + 1]), $"{stage}: run {runs[r]}: {string.Join(",", data[r + 1])}");
            }
        }

        Steps("a", Enumerable.Range(1, 20).Select(i => 2 * i));   // 2, 4, ..., 40
        Steps("b", Enumerable.Range(1, 10));                        // 1..10
        await page.GoToAsync(server.OpenUrl + "#compare=a&compare=b");
        await Expect("first records");
        Steps("b", Enumerable.Range(11, 35));                       // 11..45: odd ones between a's, even ones on a's, 41..45 past the end
        await Expect("b between and past a");
        Steps("a", Enumerable.Range(21, 20).Select(i => 2 * i));   // 42..80: 42, 44 on b's steps, the rest past the end
        await Expect("a past b");
        Steps("b", [100, 47]);                                      // past the end and between, in one refresh
        await Expect("b out of order");

        // Epochs (a has 2, b 1), then both runs end: the per-epoch charts and the status.
        foreach (var (run, epochs) in new[] { ("a", 2), ("b", 1) })
        {
            var lines = string.Concat(Enumerable.Range(1, epochs).Select(e =>
                $"{{\"type\":\"epoch\",\"epoch\":{e},\"epochs\":2,\"train_cost\":{e}.5,\"test_accuracy\":0.{e}25,\"seconds\":1,\"samples_per_second\":1}}\n"));
            File.AppendAllText(Path.Combine(d.File(run), TrainingLog.FileName), lines + "{\"type\":\"end\",\"status\":\"finished\"}\n");
        }
        await page.WaitForFunctionAsync("() => document.getElementById('main').dataset.done === '1'", new WaitForFunctionOptions { Timeout = 60_000 });
        Assert.Equal("a: finished, b: finished", await page.EvaluateExpressionAsync<string>("document.getElementById('compare-status').textContent"));
        await Expect("ended");
        var accuracy = await page.EvaluateFunctionAsync<double?[][]>("() => window.initlab.plots()[1].u.data");
        Assert.Equal([[1, 2], [0.125, 0.225], [0.125, null]], accuracy);
        var epochCost = await page.EvaluateFunctionAsync<double?[][]>("() => window.initlab.plots()[2].u.data");
        Assert.Equal([[1, 2], [1.5, 2.5], [1.5, null]], epochCost);

        // The log/linear switch rebuilds the charts from the records: the same points.
        await page.ClickAsync("#scale");
        await page.WaitForFunctionAsync("() => document.getElementById('scale').textContent === 'linear y'");
        await Expect("log scale");
        await Shot(page, "serve-compare.png");
    }

    // The lists are redrawn every few seconds: a node found by one call may be gone by the next, so find and click in one step.
    private static async Task Click(IPage page, string selector) =>
        await page.EvaluateFunctionAsync("s => document.querySelector(s).click()", selector);

    private static async Task Fill(IPage page, string selector, string value) =>
        await page.EvaluateFunctionAsync("(s, v) => { document.querySelector(s).value = v; }", selector, value);

    private static async Task Shot(IPage page, string name)
    {
        string? dir = Environment.GetEnvironmentVariable("INITLAB_SCREENSHOTS");
        byte[] png = await page.ScreenshotDataAsync(new ScreenshotOptions { FullPage = true });
        Assert.True(png.Length > 10_000);
        if (dir is not null) File.WriteAllBytes(Path.Combine(dir, name), png);
    }
}
