using System.Text.Json;

namespace InitLab.Tests;

/// <summary>Reads the JSON fixtures written by fixtures/make_fixtures.py (PyTorch 1.13).</summary>
public static class Fixtures
{
    public static JsonElement Load(string name)
    {
        string path = Path.Combine(AppContext.BaseDirectory, "fixtures", name);
        using var doc = JsonDocument.Parse(File.ReadAllBytes(path));
        return doc.RootElement.Clone();
    }

    public static float[] Floats(this JsonElement e) => e.EnumerateArray().Select(v => (float)v.GetDouble()).ToArray();
    public static int[] Ints(this JsonElement e) => e.EnumerateArray().Select(v => v.GetInt32()).ToArray();
    public static uint[] UInts(this JsonElement e) => e.EnumerateArray().Select(v => v.GetUInt32()).ToArray();
}

/// <summary>Tolerance checks with messages that say where two arrays differ.</summary>
public static class Close
{
    /// <summary>|a - e| &lt;= rel·|e| + abs for every element.</summary>
    public static void All(ReadOnlySpan<float> expected, ReadOnlySpan<float> actual, double rel, double abs = 0, string what = "")
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
        {
            double e = expected[i], a = actual[i];
            if (!(Math.Abs(a - e) <= rel * Math.Abs(e) + abs))
                Assert.Fail($"{what}[{i}]: expected {e:R}, got {a:R} (diff {Math.Abs(a - e):E3}, allowed {rel * Math.Abs(e) + abs:E3})");
        }
    }
}
