using System.Globalization;

namespace Pccl.Cli.Wan;

/// <summary>
/// What one direction of an emulated wide-area path does to packets: a one-way delay, a rate (0: unlimited) with a
/// queue of at most <see cref="QueueMs"/> of the rate's worth of bytes in front of it (tail drop beyond, as a router's
/// buffer; one round trip of buffering by default, the classic bandwidth-delay-product rule), and random loss; and one
/// setting of the hosts at its ends, which decides how TCP starts again over it after a pause.
/// </summary>
internal sealed record PathShape
{
    public double RttMs { get; init; }

    public double RateMbit { get; init; }

    /// <summary>Fraction of packets dropped at random, 0 to 1.</summary>
    public double Loss { get; init; }

    /// <summary>Longest wait in the rate's queue; 0 picks one round trip (at least 10 ms).</summary>
    public double QueueMs { get; init; }

    /// <summary>
    /// Whether the sites' TCP falls back to slow start after a connection idled longer than its retransmission timeout
    /// (<c>net.ipv4.tcp_slow_start_after_idle</c> in each site's namespace; Linux' default is on). Between two
    /// all-reduces a lane idles for the control round trips, and on a long path regrowing the window costs a few
    /// round trips of each operation; hosts tuned for wide-area transfers turn it off.
    /// </summary>
    public bool SlowStartAfterIdle { get; init; } = true;

    /// <summary>
    /// The sites' TCP congestion control (<c>net.ipv4.tcp_congestion_control</c> in each site's namespace); null keeps
    /// what a new namespace gets from the machine. BBR, for one, drops a connection to four packets for a fifth of a
    /// second every ten seconds to measure the path's delay again (ProbeRTT), which stalls a striped lane whose frames
    /// are read in a fixed order; a loss-based one (reno, cubic) has no such pause but halves its window after an idle
    /// spell unless <see cref="SlowStartAfterIdle"/> is off.
    /// </summary>
    public string? CongestionControl { get; init; }

    public TimeSpan OneWayDelay => TimeSpan.FromMilliseconds(RttMs / 2);

    public TimeSpan QueueLimit => TimeSpan.FromMilliseconds(QueueMs > 0 ? QueueMs : Math.Max(RttMs, 10));

    /// <summary>Time one byte occupies the path at the rate; zero when unlimited.</summary>
    public double SecondsPerByte => RateMbit > 0 ? 8 / (RateMbit * 1e6) : 0;

    /// <exception cref="PcclException">A value is out of range; the message names the flag.</exception>
    public PathShape Validated()
    {
        Require(RttMs >= 0 && double.IsFinite(RttMs), "--rtt-ms", "a round-trip time of 0 ms or more", RttMs);
        Require(RateMbit >= 0 && double.IsFinite(RateMbit), "--rate-mbit", "a rate of 0 (unlimited) or more Mbit/s", RateMbit);
        Require(Loss is >= 0 and < 1, "--loss", "a fraction from 0 up to (not including) 1", Loss);
        Require(QueueMs >= 0 && double.IsFinite(QueueMs), "--queue-ms", "0 (one round trip) or more milliseconds", QueueMs);
        if (CongestionControl is { } name && !AllowedCongestionControls().Contains(name))
        {
            throw new PcclException(PcclErrorCode.InvalidArgument,
                $"--congestion-control must be one a new network namespace may use ({string.Join(", ", AllowedCongestionControls())}: net.ipv4.tcp_allowed_congestion_control, which root can extend), not '{name}'");
        }

        return this;
    }

    private static string[] AllowedCongestionControls()
    {
        const string List = "/proc/sys/net/ipv4/tcp_allowed_congestion_control";
        return File.Exists(List) ? File.ReadAllText(List).Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries) : [];
    }

    private static void Require(bool condition, string flag, string expected, double value)
    {
        if (!condition)
        {
            throw new PcclException(PcclErrorCode.InvalidArgument, $"{flag} must be {expected}, not {value.ToString(CultureInfo.InvariantCulture)}");
        }
    }
}
