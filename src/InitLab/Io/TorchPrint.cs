using System.Globalization;
using System.Text;
using InitLab.Tensors;

namespace InitLab.Io;

/// <summary>
/// Formats a 1-D or 2-D tensor the way PyTorch's print does (torch/_tensor_str.py with the
/// default print options: precision 4, threshold 1000, edgeitems 3, linewidth 80), so InitLab's
/// output can be compared line for line with a PyTorch session.
/// </summary>
public static class TorchPrint
{
    private const int Precision = 4, Threshold = 1000, EdgeItems = 3, LineWidth = 80;
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    /// <summary>As print(nn.Parameter): "Parameter containing:\ntensor([...], requires_grad=True)".</summary>
    public static string Parameter(Tensor t) => "Parameter containing:\n" + Format(t, requiresGrad: true);

    /// <summary>As print(tensor).</summary>
    public static string Format(Tensor t, bool requiresGrad = false)
    {
        if (t.Rank is < 1 or > 2) throw new ArgumentException("TorchPrint formats 1-D and 2-D tensors.");
        const string prefix = "tensor(";
        int indent = prefix.Length;
        bool summarize = t.Length > Threshold;
        var formatter = new Formatter(Displayed(t, summarize));
        string body = t.Length == 0 ? "[]"
            : t.Rank == 1 ? Vector(t.Data, indent, summarize, formatter)
            : Matrix(t, indent, summarize, formatter);
        var sb = new StringBuilder(prefix + body);
        if (requiresGrad)
        {
            string s = sb.ToString();
            int lastLine = s.Length - s.LastIndexOf('\n') + 1;
            const string suffix = "requires_grad=True";
            sb.Append(lastLine + suffix.Length + 2 > LineWidth ? ",\n" + new string(' ', indent) + suffix : ", " + suffix);
        }
        return sb.Append(')').ToString();
    }

    /// <summary>The values PyTorch's formatter looks at: the summarized corners when summarizing.</summary>
    private static IEnumerable<float> Displayed(Tensor t, bool summarize)
    {
        if (!summarize) return t.Data;
        if (t.Rank == 1) return Edges(t.Data);
        var rows = t.Rows > 2 * EdgeItems ? Enumerable.Range(0, EdgeItems).Concat(Enumerable.Range(t.Rows - EdgeItems, EdgeItems)) : Enumerable.Range(0, t.Rows);
        return rows.SelectMany(r => Edges(t.Row(r).ToArray()));
    }

    private static IEnumerable<float> Edges(float[] v) => v.Length > 2 * EdgeItems ? v[..EdgeItems].Concat(v[^EdgeItems..]) : v;

    private static string Matrix(Tensor t, int indent, bool summarize, Formatter f)
    {
        var slices = new List<string>();
        IEnumerable<int> rows = Enumerable.Range(0, t.Rows);
        if (summarize && t.Rows > 2 * EdgeItems)
        {
            foreach (int r in Enumerable.Range(0, EdgeItems)) slices.Add(Vector(t.Row(r).ToArray(), indent + 1, summarize, f));
            slices.Add("...");
            rows = Enumerable.Range(t.Rows - EdgeItems, EdgeItems);
        }
        foreach (int r in rows) slices.Add(Vector(t.Row(r).ToArray(), indent + 1, summarize, f));
        return "[" + string.Join(",\n" + new string(' ', indent + 1), slices) + "]";
    }

    private static string Vector(float[] v, int indent, bool summarize, Formatter f)
    {
        int perLine = Math.Max(1, (LineWidth - indent) / (f.Width + 2));
        var data = summarize && v.Length > 2 * EdgeItems
            ? v[..EdgeItems].Select(f.Format).Append(" ...").Concat(v[^EdgeItems..].Select(f.Format)).ToList()
            : v.Select(f.Format).ToList();
        var lines = data.Chunk(perLine).Select(chunk => string.Join(", ", chunk));
        return "[" + string.Join(",\n" + new string(' ', indent + 1), lines) + "]";
    }

    /// <summary>PyTorch's _Formatter: integer, fixed or scientific mode and a common width.</summary>
    private sealed class Formatter
    {
        private readonly bool _intMode = true, _sciMode;
        public int Width { get; } = 1;

        public Formatter(IEnumerable<float> values)
        {
            var nz = values.Where(x => float.IsFinite(x) && x != 0).Select(x => (double)x).ToArray();
            if (nz.Length == 0) return;
            double min = nz.Min(Math.Abs), max = nz.Max(Math.Abs);
            _intMode = nz.All(x => x == Math.Ceiling(x));
            _sciMode = max / min > 1000.0 || max > 1.0e8 || (!_intMode && min < 1.0e-4);
            foreach (double x in nz)
            {
                int len = _sciMode ? Sci(x).Length : _intMode ? x.ToString("F0", Inv).Length + 1 : x.ToString("F" + Precision, Inv).Length;
                Width = Math.Max(Width, len);
            }
        }

        private static string Sci(double x) => x.ToString("0." + new string('0', Precision) + "e+00", Inv);

        public string Format(float value)
        {
            double x = value;
            string s = _sciMode ? Sci(x)
                : _intMode ? x.ToString("F0", Inv) + (double.IsFinite(x) ? "." : "")
                : x.ToString("F" + Precision, Inv);
            if (double.IsNaN(x)) s = "nan";
            else if (double.IsInfinity(x)) s = x > 0 ? "inf" : "-inf";
            return s.PadLeft(Width);
        }
    }
}
