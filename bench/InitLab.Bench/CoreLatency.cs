using System.Diagnostics;

namespace InitLab.Bench;

/// <summary>
/// `core-latency [ROUND_TRIPS]`: how long a cache line takes to go from one core to another.
/// Two threads take turns writing one counter, each waiting (spinning) for the other's write;
/// a round trip is two transfers of the line. Prints the best of five runs. The threads are not
/// pinned: on a 2-core machine the two spinning threads run on different cores (which physical
/// cores a virtual machine's are is not known). Why it matters: a training step's threads
/// exchange activations and gradients every step, and each line one core wrote and the other
/// reads (or writes next) pays this.
/// </summary>
internal static class CoreLatency
{
    public static void Run(string[] args)
    {
        int trips = args.Length > 0 && int.TryParse(args[0], out int t) && t > 0 ? t : 200_000;
        double best = double.MaxValue;
        for (int run = 0; run < 5; run++) best = Math.Min(best, RoundTripNs(trips));
        Console.WriteLine($"core-to-core round trip: {best:F0} ns (one way about {best / 2:F0} ns), best of 5 runs of {trips:N0}");
    }

    private static double RoundTripNs(int trips)
    {
        // The counter has 128 bytes of the array on each side, so nothing else shares its line.
        var line = new long[33];
        var partner = new Thread(() =>
        {
            // Ready: the clock starts once the partner runs (thread start is not timed).
            Volatile.Write(ref line[16], -1);
            while (Volatile.Read(ref line[16]) == -1) { }
            for (long i = 0; i < trips; i++)
            {
                while (Volatile.Read(ref line[16]) != 2 * i + 1) { }
                Volatile.Write(ref line[16], 2 * i + 2);
            }
        }) { IsBackground = true };
        partner.Start();
        while (Volatile.Read(ref line[16]) != -1) { }
        // Go: the partner leaves its wait when the counter leaves -1.
        Volatile.Write(ref line[16], 0);
        var clock = Stopwatch.StartNew();
        for (long i = 0; i < trips; i++)
        {
            Volatile.Write(ref line[16], 2 * i + 1);
            while (Volatile.Read(ref line[16]) != 2 * i + 2) { }
        }
        clock.Stop();
        partner.Join();
        return clock.Elapsed.TotalNanoseconds / trips;
    }
}
