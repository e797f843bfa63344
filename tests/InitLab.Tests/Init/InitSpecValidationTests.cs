using InitLab.Init;

namespace InitLab.Tests.Init;

/// <summary>Values are typed and checked once, at parse time, with PyTorch's refusals and a message naming initializer and key.</summary>
public class InitSpecValidationTests
{
    [Theory]
    [InlineData("dbn:epochs=2.5", "dbn: epochs must be a whole number, got 2.5")]
    [InlineData("dbn:epochs=-1", "dbn: epochs must be at least 1, got -1")]
    [InlineData("dbn:cd=0", "dbn: cd must be at least 1, got 0")]
    [InlineData("dbn:lr=0", "dbn: lr must be above 0, got 0")]
    [InlineData("dbn:wd=-0.1", "dbn: wd must be at least 0, got -0.1")]
    [InlineData("dbn:pcd=2", "dbn: pcd must be 0 or 1 (or true/false), got 2")]
    [InlineData("dbn:epochs=1e10", "dbn: epochs must be at most 2147483647")]
    [InlineData("dbn:top=lsuv", "dbn: top must be a per-layer initializer; lsuv initializes a whole network")]
    [InlineData("dbn:top=normal:std=-1", "dbn: top=normal:std=-1: normal: std must be at least 0")]
    [InlineData("dbn:top=normal,std=2", "Initializer 'dbn' has no parameter 'std'")]
    [InlineData("lsuv:iters=1.5", "lsuv: iters must be a whole number, got 1.5")]
    [InlineData("lsuv:tol=0", "lsuv: tol must be above 0, got 0")]
    [InlineData("normal:std=-1", "normal: std must be at least 0, got -1 (PyTorch refuses a negative std)")]
    [InlineData("keras:random-normal:stddev=-0.5", "keras:random-normal: stddev must be at least 0, got -0.5")]
    [InlineData("uniform:a=1,b=0", "uniform: a must be at most b, got a=1, b=0 (torch's uniform_ requires from <= to)")]
    [InlineData("keras:random-uniform:minval=1,maxval=0", "keras:random-uniform: minval must be at most maxval, got minval=1, maxval=0")]
    [InlineData("trunc-normal:a=2,b=-2", "trunc-normal: a must be below b, got a=2, b=-2")]
    [InlineData("trunc-normal:std=0", "trunc-normal: std must be above 0, got 0")]
    [InlineData("keras:truncated-normal:stddev=0", "keras:truncated-normal: stddev must be above 0, got 0")]
    [InlineData("sparse:sparsity=1.5", "sparse: sparsity must be between 0 and 1, got 1.5")]
    [InlineData("sparse:sparsity=-0.1", "sparse: sparsity must be between 0 and 1, got -0.1")]
    [InlineData("variance-scaling:scale=0", "variance-scaling: scale must be above 0, got 0 (Keras requires a positive scale)")]
    [InlineData("normal:std=1,std=2", "normal: std is given twice")]
    [InlineData("normal:STD=1,std=2", "normal: std is given twice")]
    [InlineData("normal:mean=NaN", "normal: mean must be a finite number, got NaN")]
    [InlineData("normal:std=Infinity", "normal: std must be a finite number, got Infinity")]
    [InlineData("constant:val=-Infinity", "constant: val must be a finite number, got -Infinity")]
    [InlineData("xavier-uniform:gain=NaN", "xavier-uniform: gain must be a finite number, got NaN")]
    [InlineData("xavier-normal:gain=leaky_relu:nan", "xavier-normal: gain=leaky_relu:nan: the slope of leaky_relu must be a finite number, got nan")]
    [InlineData("xavier-normal:gain=tanh:0.2", "xavier-normal: gain=tanh:0.2: only leaky_relu takes a slope")]
    [InlineData("kaiming-normal:mode=fan_sideways", "kaiming-normal: mode must be fan_in or fan_out, got fan_sideways")]
    [InlineData("kaiming-uniform:mode=fan_avg", "kaiming-uniform: mode must be fan_in or fan_out, got fan_avg")]
    [InlineData("kaiming-normal:nonlinearity=swish", "kaiming-normal: nonlinearity must be linear, identity, conv1d, conv2d, conv3d, sigmoid, tanh, relu, leaky_relu or selu, got swish")]
    [InlineData("variance-scaling:distribution=cauchy", "variance-scaling: distribution must be truncated_normal, untruncated_normal or uniform, got cauchy")]
    public void RefusesWhatPyTorchRefusesNamingInitializerAndKey(string text, string message) =>
        Assert.Contains(message, Assert.Throws<FormatException>(() => InitSpec.Parse(text)).Message);

    [Theory]
    [InlineData("normal:std=0")]            // torch.nn.init.normal_ accepts std 0: every weight is the mean
    [InlineData("uniform:a=0.5,b=0.5")]     // and uniform_ accepts from == to
    [InlineData("sparse:sparsity=1")]
    [InlineData("dbn:epochs=2.0,pcd=true")] // a whole number written with a point, a switch written as a word
    [InlineData("kaiming-normal:mode=FAN-OUT,nonlinearity=Leaky-ReLU")]
    public void AcceptsTheEdgesPyTorchAccepts(string text) => InitSpec.Parse(text);

    [Fact]
    public void TypedValuesFollowTheSameRules()
    {
        Assert.Contains("normal: std must be at least 0, got -1", Assert.Throws<ArgumentException>(() => InitSpec.Create("normal", ("std", -1.0))).Message);
        Assert.Contains("dbn: epochs must be a whole number, got 2.5", Assert.Throws<ArgumentException>(() => InitSpec.Create("dbn", ("epochs", 2.5))).Message);
        Assert.Contains("uniform: a must be at most b", Assert.Throws<ArgumentException>(() => InitSpec.Create("uniform", ("a", 2), ("b", 1))).Message);
        Assert.Contains("has no parameter 'sdt'", Assert.Throws<ArgumentException>(() => InitSpec.Create("normal", ("sdt", 1.0))).Message);
        Assert.Contains("std is given twice", Assert.Throws<ArgumentException>(() => InitSpec.Create("normal", ("std", 1.0), ("std", 2.0))).Message);
        Assert.Contains("pcd takes true or false", Assert.Throws<ArgumentException>(() => InitSpec.Create("dbn", ("pcd", 1))).Message);
        Assert.Contains("Unknown initializer 'nosuch'", Assert.Throws<ArgumentException>(() => InitSpec.Create("nosuch")).Message);
    }
}
