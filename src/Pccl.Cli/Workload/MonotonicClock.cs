using System.Diagnostics;

namespace Pccl.Cli.Workload;

/// <summary>
/// Nanoseconds of the host's monotonic clock. On Linux <see cref="Stopwatch.GetTimestamp"/> reads
/// <c>clock_gettime(CLOCK_MONOTONIC)</c> in nanoseconds, one clock for every process of the host, so timestamps
/// printed by different processes can be subtracted (the recovery benchmark checks this at start).
/// </summary>
internal static class MonotonicClock
{
    private static readonly double NsPerTick = 1e9 / Stopwatch.Frequency;

    public static long NowNs() => ToNs(Stopwatch.GetTimestamp());

    public static long ToNs(long timestamp) => Stopwatch.Frequency == 1_000_000_000 ? timestamp : (long)(timestamp * NsPerTick);
}
