using InitLab.Init;

namespace InitLab.Tests.Init;

public class InitSpecTests
{
    [Theory]
    [InlineData("he-normal", "kaiming-normal")]
    [InlineData("HE_UNIFORM", "kaiming-uniform")]
    [InlineData("glorot-uniform", "xavier-uniform")]
    [InlineData("lecun-normal", "keras:lecun-normal")]
    [InlineData("keras:he-normal", "keras:he-normal")]
    [InlineData("keras:Glorot_Uniform", "keras:glorot-uniform")]
    [InlineData("kaiming-normal:mode=fan_out,nonlinearity=relu", "kaiming-normal:mode=fan_out,nonlinearity=relu")]
    public void ParsesNamesAliasesAndArguments(string text, string canonical) => Assert.Equal(canonical, InitSpec.Parse(text).ToString());

    [Theory]
    [InlineData("nosuch", "Unknown initializer 'nosuch'")]
    [InlineData("normal:sdt=1", "has no parameter 'sdt'; it takes mean, std")]
    [InlineData("zeros:val=1", "it takes none")]
    [InlineData("normal:std=abc", "std=abc is not a number")]
    [InlineData("normal:std", "is not of the form key=value")]
    [InlineData("xavier-uniform:gain=swish", "neither a number nor a nonlinearity")]
    [InlineData("", "An initializer name is required")]
    public void RejectsBadSpecsWithAReadableMessage(string text, string message) =>
        Assert.Contains(message, Assert.Throws<FormatException>(() => InitSpec.Parse(text)).Message);

    [Fact]
    public void GainAcceptsANonlinearity()
    {
        var t = new InitLab.Tensors.Tensor(4, 4);
        InitSpec.Parse("xavier-uniform:gain=tanh").Apply(t, new InitLab.Random.TorchGenerator(1));
        var u = new InitLab.Tensors.Tensor(4, 4);
        InitSpec.Parse("xavier-uniform:gain=1.6666666666666667").Apply(u, new InitLab.Random.TorchGenerator(1));
        Assert.Equal(u.Data, t.Data);
    }

    [Fact]
    public void PlansGiveOneSpecPerLayerOrOneForAll()
    {
        var plan = InitPlan.Parse("he-normal|he-normal|xavier-uniform", "zeros");
        Assert.Equal("xavier-uniform", plan.ForLayer(2, 3).ToString());
        Assert.Equal(BiasKind.Zeros, plan.Bias.Kind);
        Assert.Contains("lists 3 initializers for a network of 2", Assert.Throws<FormatException>(() => plan.ForLayer(0, 2)).Message);
        Assert.Equal("zeros", InitPlan.Parse("zeros").ForLayer(7, 9).ToString());
        Assert.Equal(0.1f, InitPlan.Parse("zeros", "constant:val=0.1").Bias.Value);
        Assert.Throws<FormatException>(() => InitPlan.Parse("zeros", "ones"));
        Assert.Throws<FormatException>(() => InitPlan.Parse("zeros||ones"));
    }

    [Fact]
    public void CatalogListsEveryInitializerTheIssueNames()
    {
        var names = InitSpec.Catalog.Select(c => c.Name).ToHashSet();
        foreach (var n in new[] { "uniform", "normal", "trunc-normal", "constant", "zeros", "ones", "eye", "xavier-uniform", "xavier-normal",
                     "kaiming-uniform", "kaiming-normal", "orthogonal", "sparse", "default", "variance-scaling", "lsuv",
                     "keras:glorot-uniform", "keras:glorot-normal", "keras:he-uniform", "keras:he-normal", "keras:lecun-uniform", "keras:lecun-normal",
                     "keras:random-normal", "keras:random-uniform", "keras:truncated-normal", "keras:constant", "keras:identity" })
            Assert.Contains(n, names);
        Assert.Contains(InitSpec.Catalog, c => c.Name == "kaiming-normal" && c.Aliases.Contains("he-normal"));
        foreach (var (alias, canonical) in new[] { ("keras:zeros", "zeros"), ("keras:ones", "ones"), ("keras:orthogonal", "orthogonal"), ("keras:variance-scaling", "variance-scaling") })
            Assert.Equal(canonical, InitSpec.Parse(alias).Name);
    }
}
