namespace InitLab.Tests.Cli;

/// <summary>Issue 17, class 8: values PyTorch refuses are usage errors (exit 2) naming the option, before any data is read.</summary>
public class HostileOptionsTests
{
    [Theory]
    [InlineData("--momentum", new[] { "train", "--optimizer", "sgd", "--momentum", "Infinity" })]
    [InlineData("--weight-decay", new[] { "train", "--weight-decay", "Infinity" })]
    [InlineData("--weight-decay", new[] { "train", "--weight-decay", "NaN" })]
    [InlineData("--activation", new[] { "train", "--activation", "leaky-relu:NaN" })]
    [InlineData("--activation", new[] { "train", "--activation", "leaky-relu:Infinity" })]
    [InlineData("--activation", new[] { "compare", "--activation", "relu,leaky-relu:NaN" })]
    [InlineData("--activation", new[] { "inspect", "--activation", "leaky-relu:NaN" })]
    [InlineData("--init", new[] { "train", "--init", "normal:std=-1" })]
    [InlineData("--init", new[] { "train", "--init", "uniform:a=1,b=0" })]
    [InlineData("--init", new[] { "train", "--init", "keras:random-uniform:minval=1,maxval=0" })]
    [InlineData("--init", new[] { "train", "--init", "normal:std=1,std=2" })]
    [InlineData("--init", new[] { "train", "--init", "dbn:epochs=-1" })]
    [InlineData("--init", new[] { "train", "--init", "xavier-normal:gain=leaky_relu:nan" })]
    [InlineData("--seed/--seeds", new[] { "compare", "--seed", "18446744073709551615", "--seeds", "3" })]
    [InlineData("--lr", new[] { "rbm", "--lr", "Infinity" })]
    [InlineData("--weight-decay", new[] { "rbm", "--weight-decay", "NaN" })]
    [InlineData("--weight-decay", new[] { "rbm", "--weight-decay", "-1" })]
    [InlineData("--momentum", new[] { "rbm", "--momentum", "Infinity" })]
    [InlineData("--pretrain-lr", new[] { "dbn", "--pretrain-lr", "Infinity" })]
    [InlineData("--momentum", new[] { "dbn", "--optimizer", "sgd", "--momentum", "Infinity" })]
    public void IsAUsageErrorNamingTheOption(string option, string[] args)
    {
        var (code, output, err) = CliTests.Run([.. args, "--data", "/nonexistent-initlab-data"]);
        Assert.True(code == 2, $"exit {code}: {err}{output}");
        Assert.StartsWith("initlab: ", err);
        Assert.Contains(option, err);
        Assert.DoesNotContain("   at ", err);
    }
}
