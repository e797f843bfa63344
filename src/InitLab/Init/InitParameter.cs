using System.Globalization;

namespace InitLab.Init;

/// <summary>
/// One parameter of a registry initializer: its key, its default as <c>initlab inits</c> lists
/// it, and its type. The type turns the text of <c>--init</c> (or a value a program passes)
/// into a typed value once, when the spec is built, so that a bad value fails there with a
/// message naming the key instead of being truncated or misread when the weights are drawn.
/// </summary>
internal abstract class InitParameter(string key, string defaultText)
{
    private object? _default;

    public string Key { get; } = key;

    /// <summary>The default as written in the registry line (and listed by <c>initlab inits</c>).</summary>
    public string DefaultText { get; } = defaultText;

    /// <summary>
    /// The default, typed. Parsed on first use, not in the registry's constructor: a nested
    /// spec's default needs the registry itself.
    /// </summary>
    public object Default => _default ??= FromText(DefaultText, out var error) ?? throw new InvalidOperationException($"Registry default {Key}={DefaultText}: {error}");

    /// <summary>Text to typed value; null with <paramref name="error"/> (without the initializer's name) when invalid.</summary>
    public abstract object? FromText(string text, out string error);

    /// <summary>A value given by a program (int, double, bool, string, InitSpec, ...) to the typed value, or null and an error.</summary>
    public abstract object? FromValue(object value, out string error);

    /// <summary>The canonical text: invariant round-trip numbers, lower-case choices.</summary>
    public abstract string Format(object value);

    protected static bool TryNumber(string text, out double value) =>
        double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out value);

    /// <summary>A typed value given by a program (double, float, int or long) as a double; false for any other type.</summary>
    protected static bool TryReal(object value, out double v)
    {
        (bool ok, v) = value switch
        {
            double d => (true, d),
            float f => (true, (double)f),
            int i => (true, (double)i),
            long l => (true, (double)l),
            _ => (false, double.NaN),
        };
        return ok;
    }

    protected static string R(double v) => v.ToString("R", CultureInfo.InvariantCulture);

    protected string NotFinite(double v) => $"{Key} must be a finite number, got {R(v)}.";
}

/// <summary>A whole number with a minimum (epochs, Gibbs steps, batch sizes).</summary>
internal sealed class IntegerParameter(string key, string defaultText, int min) : InitParameter(key, defaultText)
{
    public override object? FromText(string text, out string error)
    {
        if (!TryNumber(text, out double v)) return Fail($"{Key}={text} is not a number.", out error);
        return FromValue(v, out error);
    }

    public override object? FromValue(object value, out string error)
    {
        if (value is not (int or long or double or float)) return Fail($"{Key} takes a whole number, got {value.GetType().Name}.", out error);
        double v = Convert.ToDouble(value, CultureInfo.InvariantCulture);
        if (!double.IsFinite(v)) return Fail(NotFinite(v), out error);
        if (v != Math.Floor(v)) return Fail($"{Key} must be a whole number, got {R(v)}.", out error);
        if (v < min) return Fail($"{Key} must be at least {min}, got {R(v)}.", out error);
        if (v > int.MaxValue) return Fail($"{Key} must be at most {int.MaxValue}, got {R(v)}.", out error);
        error = "";
        return (int)v;
    }

    public override string Format(object value) => ((int)value).ToString(CultureInfo.InvariantCulture);

    private static object? Fail(string message, out string error)
    {
        error = message;
        return null;
    }
}

/// <summary>
/// A finite real number, optionally bounded below (inclusive or not) and above; <paramref name="why"/>
/// says which PyTorch or Keras rule the bound copies.
/// </summary>
internal sealed class RealParameter(string key, string defaultText, double? min = null, bool minExclusive = false, double? max = null, string? why = null)
    : InitParameter(key, defaultText)
{
    public override object? FromText(string text, out string error)
    {
        if (!TryNumber(text, out double v))
        {
            error = $"{Key}={text} is not a number.";
            return null;
        }
        return FromValue(v, out error);
    }

    public override object? FromValue(object value, out string error)
    {
        error = "";
        if (!TryReal(value, out double v))
        {
            error = $"{Key} takes a number, got {value.GetType().Name}.";
            return null;
        }
        string suffix = why is null ? "." : $" ({why}).";
        if (!double.IsFinite(v)) error = NotFinite(v);
        else if (min is { } lo && max is { } hi && !(v >= lo && v <= hi)) error = $"{Key} must be between {R(lo)} and {R(hi)}, got {R(v)}{suffix}";
        else if (min is { } m && (minExclusive ? !(v > m) : !(v >= m))) error = $"{Key} must be {(minExclusive ? "above" : "at least")} {R(m)}, got {R(v)}{suffix}";
        else if (max is { } x && !(v <= x)) error = $"{Key} must be at most {R(x)}, got {R(v)}{suffix}";
        return error.Length > 0 ? null : v;
    }

    public override string Format(object value) => R((double)value);
}

/// <summary>A switch written 0|1 (as the registry lists pcd=0) or true|false.</summary>
internal sealed class BooleanParameter(string key, string defaultText) : InitParameter(key, defaultText)
{
    public override object? FromText(string text, out string error)
    {
        error = "";
        switch (text.Trim().ToLowerInvariant())
        {
            case "1" or "true": return true;
            case "0" or "false": return false;
            default: error = $"{Key} must be 0 or 1 (or true/false), got {text}."; return null;
        }
    }

    public override object? FromValue(object value, out string error)
    {
        error = value is bool ? "" : $"{Key} takes true or false, got {value.GetType().Name}.";
        return value as bool?;
    }

    public override string Format(object value) => (bool)value ? "1" : "0";
}

/// <summary>
/// One of a fixed set of lower-case words (mode, nonlinearity, distribution); '-' is read as
/// '_' and <paramref name="aliases"/> map other spellings to a choice.
/// </summary>
internal sealed class ChoiceParameter(string key, string defaultText, string[] choices, Dictionary<string, string>? aliases = null)
    : InitParameter(key, defaultText)
{
    public override object? FromText(string text, out string error) => FromValue(text, out error);

    public override object? FromValue(object value, out string error)
    {
        error = "";
        string v = (value as string ?? "").Trim().ToLowerInvariant().Replace('-', '_');
        if (aliases is not null && aliases.TryGetValue(v, out var alias)) v = alias;
        if (choices.Contains(v)) return v;
        error = $"{Key} must be {string.Join(", ", choices[..^1])} or {choices[^1]}, got {value}.";
        return null;
    }

    public override string Format(object value) => (string)value;
}

/// <summary>
/// gain=NUMBER, or gain=NONLINEARITY[:slope] as calculate_gain takes it (slope for leaky_relu only).
/// The name is kept, not replaced by its number, so the canonical form says what was meant.
/// </summary>
internal sealed class GainParameter(string key, string defaultText) : InitParameter(key, defaultText)
{
    private static readonly string[] Nonlinearities = ["linear", "identity", "conv1d", "conv2d", "conv3d", "sigmoid", "tanh", "relu", "leaky_relu", "selu"];

    public override object? FromText(string text, out string error) =>
        TryNumber(text, out double v) ? FromNumber(v, out error) : FromName(text, out error);

    private GainValue? FromNumber(double v, out string error)
    {
        error = double.IsFinite(v) ? "" : NotFinite(v);
        return error.Length == 0 ? new GainValue(v, null, null) : null;
    }

    private GainValue? FromName(string text, out string error)
    {
        error = "";
        var parts = text.Split(':', 2);
        string name = parts[0].Trim().ToLowerInvariant().Replace('-', '_');
        if (!Nonlinearities.Contains(name))
        {
            error = $"{Key}={text} is neither a number nor a nonlinearity (linear, sigmoid, tanh, relu, leaky_relu, selu).";
            return null;
        }
        if (parts.Length == 1) return new GainValue(null, name, null);
        if (name != "leaky_relu") error = $"{Key}={text}: only leaky_relu takes a slope after ':'.";
        else if (!TryNumber(parts[1], out double slope) || !double.IsFinite(slope))
            error = $"{Key}={text}: the slope of leaky_relu must be a finite number, got {parts[1]}.";
        else return new GainValue(null, name, slope);
        return null;
    }

    public override object? FromValue(object value, out string error) => value switch
    {
        GainValue g => Ok(g, out error),
        string s => FromText(s, out error),
        double or float or int or long => FromNumber(Convert.ToDouble(value, CultureInfo.InvariantCulture), out error),
        _ => FromText(value.ToString() ?? "", out error),
    };

    private static GainValue Ok(GainValue g, out string error)
    {
        error = "";
        return g;
    }

    public override string Format(object value) => ((GainValue)value).ToString();
}

/// <summary>A gain as given: a number, or a nonlinearity (with leaky_relu's slope) for calculate_gain.</summary>
internal sealed record GainValue(double? Number, string? Nonlinearity, double? Slope)
{
    /// <summary>The multiplier itself.</summary>
    public double Value => Number ?? Gain.For(Nonlinearity!, Slope);

    public override string ToString() => Number is { } n ? n.ToString("R", CultureInfo.InvariantCulture)
        : Slope is { } s ? $"{Nonlinearity}:{s.ToString("R", CultureInfo.InvariantCulture)}" : Nonlinearity!;
}

/// <summary>
/// An initializer inside another (dbn's <c>top</c>): any per-layer initializer, not one that
/// initializes a whole network from data.
/// </summary>
internal sealed class SpecParameter(string key, string defaultText) : InitParameter(key, defaultText)
{
    public override object? FromText(string text, out string error)
    {
        try
        {
            return FromValue(InitSpec.Parse(text), out error);
        }
        catch (FormatException e)
        {
            error = $"{Key}={text}: {e.Message}";
            return null;
        }
    }

    public override object? FromValue(object value, out string error)
    {
        if (value is string s) return FromText(s, out error);
        error = "";
        if (value is not InitSpec spec) error = $"{Key} takes an initializer, got {value.GetType().Name}.";
        else if (spec.IsLsuv || spec.IsDbn) error = $"{Key} must be a per-layer initializer; {spec.Name} initializes a whole network.";
        return error.Length > 0 ? null : value;
    }

    public override string Format(object value) => ((InitSpec)value).Canonical;
}

/// <summary>
/// A number ≥ 0, or <c>auto</c>: taken from the network the initializer is applied to (critical's
/// bias_var reads the --bias rule's variance). Auto is stored as NaN, which no given number can be.
/// </summary>
internal sealed class AutoRealParameter(string key) : InitParameter(key, "auto")
{
    public override object? FromText(string text, out string error)
    {
        if (text.Trim().Equals("auto", StringComparison.OrdinalIgnoreCase))
        {
            error = "";
            return double.NaN;
        }
        if (!TryNumber(text, out double v))
        {
            error = $"{Key}={text} is neither auto nor a number.";
            return null;
        }
        return FromValue(v, out error);
    }

    public override object? FromValue(object value, out string error)
    {
        error = "";
        if (value is string text) return FromText(text, out error);
        if (!TryReal(value, out double v))
        {
            error = $"{Key} takes a number or auto, got {value.GetType().Name}.";
            return null;
        }
        if (!double.IsFinite(v) || v < 0) error = $"{Key} must be a finite number ≥ 0 or auto, got {R(v)}.";
        return error.Length > 0 ? null : v;
    }

    public override string Format(object value) => double.IsNaN((double)value) ? "auto" : R((double)value);
}
