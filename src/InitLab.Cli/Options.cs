namespace InitLab.Cli;

/// <summary>Checks shared by several commands; violations are usage errors (exit code 2).</summary>
internal static class Options
{
    /// <summary>Runs a parser; its FormatException/ArgumentException/UserInputException becomes a usage error naming the option.</summary>
    public static T Parse<T>(Func<T> parse, string option)
    {
        try
        {
            return parse();
        }
        catch (Exception e) when (e is FormatException or ArgumentException or UserInputException)
        {
            throw new UsageException($"{option}: {e.Message}");
        }
    }

    /// <summary>
    /// Runs a library check; its <see cref="UserInputException"/>, whose message starts with the
    /// setting's name ("weight_decay must ...", "zero_gamma: ..."), becomes a usage error naming the
    /// option instead ("--weight-decay must ...", "--zero-gamma: ...").
    /// </summary>
    public static void Setting(Action check)
    {
        try
        {
            check();
        }
        catch (UserInputException e)
        {
            int end = e.Message.IndexOfAny([' ', ':']);
            if (end < 0) end = e.Message.Length;
            throw new UsageException("--" + e.Message[..end].Replace('_', '-') + e.Message[end..]);
        }
    }

    /// <summary>
    /// An activation layer from --activation; a leaky ReLU's slope must be a finite number (a NaN
    /// slope makes every negative input NaN, which PyTorch's LeakyReLU would refuse to be useful for).
    /// </summary>
    public static InitLab.Nn.Layer Activation(string name, string option = "--activation")
    {
        var layer = Parse(() => InitLab.Nn.Activations.Create(name), option);
        if (layer is InitLab.Nn.LeakyRelu { NegativeSlope: var slope } && !float.IsFinite(slope))
            throw new UsageException($"{option}: the slope of leaky-relu must be a finite number, got {name[(name.IndexOf(':') + 1)..]}.");
        return layer;
    }

    /// <summary>
    /// --log-every N, the steps between a training log's histogram samples: at least 1 where the
    /// log is asked for otherwise (train --log), at least 0 where 0 means no log (compare).
    /// </summary>
    public static void CheckLogEvery(int every, bool zeroIsOff = false)
    {
        int least = zeroIsOff ? 0 : 1;
        if (every < least) throw new UsageException($"--log-every must be at least {least}{(zeroIsOff ? " (0: no training log)" : "")}, got {every}.");
    }

    /// <summary>
    /// Refuses a picture path that does not end in .png: the plots and grids are PNG bytes, and a
    /// viewer trusting a .jpg name would fail on them.
    /// </summary>
    public static void CheckPng(string? path, string option)
    {
        if (path is null || path.EndsWith(".png", StringComparison.OrdinalIgnoreCase)) return;
        string ext = Path.GetExtension(path);
        throw new UsageException($"{option} {path}: InitLab writes PNG images only{(ext.Length > 0 ? $", not {ext}" : "")}.\n" +
            $"Give a file name ending in .png, e.g. {Path.ChangeExtension(path, ".png")}.");
    }

    /// <summary>
    /// The compute threads for a command's work (<see cref="InitLab.Tensors.Compute.UseThreads"/>),
    /// with a warning on stderr when they are more than the machine's processors: they then take
    /// turns, and the work runs slower than on as many threads as processors (the results are
    /// the same on any count).
    /// </summary>
    public static IDisposable UseThreads(Output o, int threads)
    {
        WarnIfMoreThreadsThanProcessors(o, threads);
        return InitLab.Tensors.Compute.UseThreads(threads);
    }

    /// <summary>Two lines on stderr (80 columns) when <paramref name="threads"/> is more than the machine's processors.</summary>
    public static void WarnIfMoreThreadsThanProcessors(Output o, int threads)
    {
        if (threads > Environment.ProcessorCount)
        {
            // Two lines that fit an 80-column terminal.
            o.Err.WriteLine($"initlab: warning: --threads {threads} is more than the {Environment.ProcessorCount} processors here: slower.");
            o.Err.WriteLine($"         Use --threads {Environment.ProcessorCount} or leave it out (the results are the same).");
        }
    }

    public static void CheckEpochsAndThreads(int epochs, int threads)
    {
        if (epochs < 1) throw new UsageException($"--epochs must be at least 1, got {epochs}.");
        if (threads < 0 || threads > 256) throw new UsageException($"--threads must be between 1 and 256 (0 = all cores), got {threads}.");
    }
}
