using CsCheck;

namespace InitLab.Tests;

/// <summary>
/// The contract every reader of untrusted files is fuzzed against: on 10,000 generated files it
/// either reads the file (and the result is self-consistent) or throws its own format exception
/// naming the file with a problem; it never allocates more than 64 bytes per byte of file plus
/// 1 MB; and the generator yields both readable and broken files (1% to 99% readable), or the
/// test would prove little.
/// </summary>
internal static class ReaderFuzz
{
    /// <summary>A generated file and how it was made.</summary>
    public sealed record Case(byte[] Bytes, string How);

    /// <summary>A valid file with two mutations applied in turn (either may leave it readable), from one seed.</summary>
    public static Gen<Case> TwiceMutated(Gen<byte[]> valid, Gen<(string How, Func<byte[], System.Random, byte[]> Apply)> mutation) =>
        from v in valid
        from m1 in mutation
        from m2 in mutation
        from seed in Gen.Int
        select Mutate(v, m1, m2, seed);

    private static Case Mutate(byte[] valid, (string How, Func<byte[], System.Random, byte[]> Apply) m1,
        (string How, Func<byte[], System.Random, byte[]> Apply) m2, int seed)
    {
        var r = new System.Random(seed);
        return new Case(m2.Apply(m1.Apply(valid, r), r), $"{m1.How}, {m2.How}");
    }

    public static void Check<TCase, TException>(Gen<TCase> cases, Func<TCase, byte[]> bytes, Func<TCase, string> describe,
        Action<TCase, Stream> read, Func<TException, (string Path, string Problem)> details) where TException : Exception
    {
        int count = 0, ok = 0;
        cases.Sample(c =>
        {
            Interlocked.Increment(ref count);
            byte[] file = bytes(c);
            using var stream = new MemoryStream(file, writable: false);
            long before = GC.GetAllocatedBytesForCurrentThread();
            try
            {
                read(c, stream);
                Interlocked.Increment(ref ok);
            }
            catch (TException e)
            {
                var (path, problem) = details(e);
                Assert.Equal("fuzz", path);
                Assert.False(string.IsNullOrWhiteSpace(problem));
            }
            long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
            long justified = 64L * file.Length + (1 << 20);
            Assert.True(allocated <= justified, $"{describe(c)}: {allocated:N0} bytes allocated for a {file.Length}-byte file");
        }, iter: 10_000, print: c => $"{describe(c)}: {Convert.ToHexString(bytes(c).AsSpan(0, Math.Min(bytes(c).Length, 64)))}");
        Assert.Equal(10_000, count);
        Assert.InRange(ok, 100, 9_900);
    }
}
