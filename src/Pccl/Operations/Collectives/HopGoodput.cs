using Pccl.Transport;

namespace Pccl.Operations.Collectives;

/// <summary>
/// What one finished ring operation measured of the path to its successor, passively: the payload it sent over the
/// hop's stripes per second of the operation. It counts as a measurement only when the operation was long enough to
/// keep every stripe's window full for a while (<see cref="MinWindowsPerStripe"/> windows each, and
/// <see cref="MinRoundTrips"/> round trips): a short operation's time is its round trips, not the path's rate.
/// </summary>
/// <param name="BitsPerSecond">The hop's goodput.</param>
/// <param name="WindowBound">Whether the stripes may have been the limit: they carried more than
/// <see cref="StripeCount.PlannedWindowShare"/> of their windows per round trip (the operation's own fill and drain
/// included), so this rate asks for more stripes than the operation ran on, and more of them might have carried more:
/// the path's rate may be higher than this. Otherwise they had room to spare: the path (or the ring's slowest hop) was
/// the limit, and more stripes would only overfill it.</param>
/// <param name="PaceBound">Whether the stripes were paced over a measured rate (<see cref="StripePace"/>) and carried at
/// least that rate: the pace, not the path, may have been the limit, and the path's rate may be higher than this.</param>
internal readonly record struct HopGoodput(long BitsPerSecond, bool WindowBound, bool PaceBound = false)
{
    /// <summary>Whether the stripes, by their windows or their pace, may have held the reading below the path's rate.</summary>
    public bool StripesMayBeTheLimit => WindowBound || PaceBound;

    /// <summary>Windows each stripe must have carried for the operation to measure the path.</summary>
    public const int MinWindowsPerStripe = 2;

    /// <summary>Round trips the operation must have lasted to measure the path.</summary>
    public const int MinRoundTrips = 4;

    /// <summary>
    /// The measurement of an operation that sent <paramref name="bytesSent"/> to the successor over
    /// <paramref name="stripes"/> connections in <paramref name="elapsed"/>, whose first stripe's path the kernel
    /// measured as <paramref name="path"/> after it, the stripes paced over a measured rate of
    /// <paramref name="pacedFromBitsPerSecond"/> (null: unpaced); null when it measured nothing.
    /// </summary>
    public static HopGoodput? Of(long bytesSent, TimeSpan elapsed, TcpPath path, int stripes, long? pacedFromBitsPerSecond = null)
    {
        if (path.Loopback || (path.MinRoundTrip ?? path.RoundTrip) is not { } roundTrip || roundTrip <= TimeSpan.Zero || path.Window <= 0 || stripes < 1)
        {
            return null;
        }

        if (bytesSent < (long)stripes * path.Window * MinWindowsPerStripe || elapsed < roundTrip * MinRoundTrips)
        {
            return null;
        }

        var bitsPerSecond = bytesSent * 8 / elapsed.TotalSeconds;
        var paceBound = pacedFromBitsPerSecond is { } pacedFrom && bitsPerSecond >= pacedFrom;
        return new HopGoodput((long)bitsPerSecond, StripeCount.Needed(bitsPerSecond, roundTrip, path.Window) > stripes, paceBound);
    }
}
