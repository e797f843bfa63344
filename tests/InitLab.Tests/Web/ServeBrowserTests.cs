using InitLab.Web;
using PuppeteerSharp;

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
        await using var server = await LabServer.StartAsync(new LabServerOptions { Dir = d.Path, Port = 0, Log = new() { SampleEvery = 1 } });
        await using var browser = await Puppeteer.LaunchAsync(new LaunchOptions
        {
            ExecutablePath = Chromium, Headless = true, UserDataDir = d.File("profile"),
            Args = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
        });
        await using var page = await browser.NewPageAsync();
        await page.SetViewportAsync(new ViewPortOptions { Width = 1400, Height = 1000 });
        await page.GoToAsync(server.OpenUrl);
        await page.WaitForFunctionAsync("() => document.querySelectorAll('#f-init option').length > 5 && document.querySelectorAll('#sweeps a').length > 0");

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
        await Shot(page, "serve-run.png");

        // A long run, stopped from the page.
        await Fill(page, "#f-epochs", "10000");
        await page.ClickAsync("#start");
        await page.WaitForFunctionAsync("() => document.getElementById('run-status').textContent.startsWith('training') || document.getElementById('run-status').textContent.startsWith('epoch')", new WaitForFunctionOptions { Timeout = 120_000 });
        await Click(page, "#stop");
        await page.WaitForFunctionAsync("() => document.getElementById('run-status').textContent.startsWith('stopped')", new WaitForFunctionOptions { Timeout = 120_000 });

        // The sweep: table and charts; clicking a legend entry hides that series.
        await Click(page, "#sweeps a[data-path='sweep']");
        await page.WaitForFunctionAsync("() => document.querySelectorAll('#sweep .uplot').length === 3");
        string table = await page.EvaluateFunctionAsync<string>("() => document.querySelector('#sweep table').textContent");
        Assert.Contains("he-normal", table);
        await page.ClickAsync("#sweep .uplot .u-legend .u-series:nth-child(2)");
        bool off = await page.EvaluateFunctionAsync<bool>("() => document.querySelector('#sweep .uplot .u-legend .u-series:nth-child(2)').classList.contains('u-off')");
        Assert.True(off, "clicking the legend entry did not hide the series");
        await page.ClickAsync("#scale");
        await page.WaitForFunctionAsync("() => document.querySelectorAll('#sweep .uplot').length === 3");
        await Shot(page, "serve-sweep.png");
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
