using Pccl.Protocol.Codec;
using Pccl.Transport;

namespace Pccl.Operations.Collectives;

/// <summary>
/// How many connections a ring lane to one neighbour is spread over (<c>performance.connections_per_peer</c>). One TCP
/// stream keeps at most its window in flight, so over a path of rate R and round trip T it moves at most window / T.
/// Automatic striping plans each stripe to carry <see cref="PlannedWindowShare"/> of its window per round trip:
/// ⌈R·T / (share · window)⌉ streams. R is the rate this peer measured to the neighbour, in a topology optimisation vote
/// or passively by the lane's earlier operations (<see cref="LaneRestriping"/>), else <see cref="FirstOperationBitsPerSecond"/>
/// until the first long operation measures it; T the kernel's least round trip of the lane's first connection (its
/// smoothed one before the kernel has a least); the window what the socket buffers the kernel granted allow
/// (<see cref="TcpPath.Window"/>). Decided by the side that opens the lane, from its first connection.
/// </summary>
/// <remarks>
/// Every reading of R is bytes that crossed the path over some number of stripes, so it is bounded by those stripes as
/// well as by the path. The planned share sits below what a stripe carries when its window is the limit (a whole window
/// or more per least round trip while data flows, about 0.8 or more over an operation's fill and drain), so a
/// reading its stripes may have bounded always asks for more stripes than it ran on (<see cref="HopGoodput.WindowBound"/>), and
/// the count can only settle where the stripes had room to spare: where the path, not their windows, was the limit. The
/// same room lets a lane take more of a shared path when the other traffic leaves it.
/// </remarks>
internal static class StripeCount
{
    /// <summary>
    /// The path rate a lane opens its connections for: a 10 Gbit/s NIC, so a long path opens the cap and its operations
    /// can send on up to all of them without reopening it; a vote's measurement runs on as many.
    /// </summary>
    public const long OpenedForBitsPerSecond = 10_000_000_000;

    /// <summary>
    /// The path rate an operation to a neighbour nobody measured yet is striped for: 1 Gbit/s. Its reading then sets the
    /// count, which climbs to the cap where the stripes were the limit. Not the cap at once: the cap's stripes overfill a
    /// slower path's queue, and under BBR the connections that did so carried less for the operations after.
    /// </summary>
    public const long FirstOperationBitsPerSecond = 1_000_000_000;

    /// <summary>
    /// The share of its window per least round trip each stripe is planned to carry: below what a stripe whose window is
    /// the limit carries, so a reading bounded by its stripes asks for more of them, and no lower: every stripe beyond
    /// what the path needs keeps more bytes queued at its bottleneck (under BBR fewer stripes carried more).
    /// </summary>
    public const double PlannedWindowShare = 0.75;

    /// <summary>
    /// The connections a lane opens: a configured count, else what a <see cref="OpenedForBitsPerSecond"/> path needs (on
    /// a long path the cap), of which each operation sends on as many as the measured rate asks for
    /// (<see cref="LaneRestriping.InUse"/>), so a new measurement changes the count without reopening the lane.
    /// </summary>
    public static int ToOpen(int? configured, TcpPath path) => For(configured, path, OpenedForBitsPerSecond);

    /// <summary>
    /// How many of a lane's <paramref name="open"/> connections an operation sends on: all of them when the count is
    /// configured, else what <paramref name="measuredBitsPerSecond"/> asks for over the first one's
    /// <paramref name="path"/>, at most what is open.
    /// </summary>
    public static int InUse(int? configured, int open, TcpPath path, long? measuredBitsPerSecond) =>
        configured is not null || open <= 1 ? Math.Max(open, 1) : Math.Min(open, For(null, path, measuredBitsPerSecond));

    /// <param name="configured">A fixed count, or null for automatic.</param>
    /// <param name="path">The first connection's path as the kernel measured it.</param>
    /// <param name="measuredBitsPerSecond">The rate measured to the neighbour; null when none was.</param>
    public static int For(int? configured, TcpPath path, long? measuredBitsPerSecond = null)
    {
        if (configured is { } count)
        {
            return Math.Clamp(count, 1, RingStripes.Max);
        }

        // on this host, or where the kernel cannot say, one stream: nothing may get slower locally
        if (path.Loopback || (path.MinRoundTrip ?? path.RoundTrip) is not { } roundTrip || path.Window <= 0)
        {
            return 1;
        }

        var rate = measuredBitsPerSecond is > 0 ? measuredBitsPerSecond.Value : FirstOperationBitsPerSecond;
        return (int)Math.Clamp(Math.Ceiling(Needed(rate, roundTrip, path.Window)), 1, RingStripes.Max);
    }

    /// <summary>
    /// The stripes, as a fraction, that carry <paramref name="bitsPerSecond"/> over a path of least round trip
    /// <paramref name="roundTrip"/> at <see cref="PlannedWindowShare"/> of each one's <paramref name="window"/>, no cap.
    /// </summary>
    public static double Needed(double bitsPerSecond, TimeSpan roundTrip, long window) =>
        bitsPerSecond / 8 * roundTrip.TotalSeconds / (PlannedWindowShare * window);
}
