using Pccl.Protocol.Codec;
using Pccl.Transport;

namespace Pccl.Operations.Collectives;

/// <summary>
/// How many connections a ring lane to one neighbour is spread over (<c>performance.connections_per_peer</c>). One TCP
/// stream keeps at most its window in flight, so over a path of rate R and round trip T it moves at most window / T;
/// filling the path takes ⌈R·T / window⌉ streams. Decided by the side that opens the lane, from its first connection.
/// </summary>
internal static class StripeCount
{
    /// <summary>The path rate assumed where none was measured: a 10 Gbit/s NIC.</summary>
    public const long AssumedPathBitsPerSecond = 10_000_000_000;

    /// <param name="configured">A fixed count, or null for automatic.</param>
    /// <param name="path">The first connection's path as the kernel measured it.</param>
    /// <param name="pathBitsPerSecond">The rate the lane should fill.</param>
    public static int For(int? configured, TcpPath path, long pathBitsPerSecond = AssumedPathBitsPerSecond)
    {
        if (configured is { } count)
        {
            return Math.Clamp(count, 1, RingStripes.Max);
        }

        // on this host, or where the kernel cannot say, one stream: nothing may get slower locally
        if (path.Loopback || path.RoundTrip is not { } roundTrip || path.Window <= 0)
        {
            return 1;
        }

        var inFlight = pathBitsPerSecond / 8.0 * roundTrip.TotalSeconds;
        return (int)Math.Clamp(Math.Ceiling(inFlight / path.Window), 1, RingStripes.Max);
    }
}
