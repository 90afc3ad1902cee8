using Microsoft.Extensions.Logging;
using Pccl.Telemetry;
using Pccl.Transport;

namespace Pccl.Operations.Collectives;

/// <summary>
/// Advice from a finished flat ring all-reduce, logged at most once per communicator each: pieces too small for the
/// link (<c>performance.ring_chunk_size</c>), and a ring so long that its hops' round trips make up most of the time
/// (<c>network.region</c>). The link is the successor connection as the kernel measured it, by its least round trip
/// where known (time spent queued on a busy link is not distance, and larger pieces would not shorten it); a ring on
/// one host gets no advice, since neither setting would help it.
/// </summary>
internal sealed class RingHints(ILogger logger)
{
    /// <summary>The smallest flat ring whose length is worth splitting into regions.</summary>
    public const int MinPeersForRegions = 8;

    /// <summary>The share of an operation's time the ring's hops must take before regions are suggested.</summary>
    public const double HopShareForRegions = 0.5;

    private int _piecesHinted;
    private int _regionsHinted;

    /// <summary>
    /// Whether the pieces were cut at the chunk size and each took less than one round trip of the link: a piece then
    /// carries less than the link holds in flight, so each piece's hand-off (a header, a wake-up, a reduction started
    /// late) costs more than its bytes.
    /// </summary>
    public static bool PiecesTooSmall(RingLayout layout, TimeSpan elapsed, TcpPath link) =>
        layout.LimitedByChunkSize && !link.Loopback && Distance(link) is { } rtt && TimePerPiece(layout, elapsed) < rtt;

    /// <summary>
    /// Whether a flat ring of unlabelled peers is long enough for its hops to dominate: 2(n-1) steps each wait at least
    /// half a round trip, so (n-1) round trips are the least the operation can take however fast the links are.
    /// </summary>
    public static bool RingTooLong(int worldSize, string region, TimeSpan elapsed, TcpPath link) =>
        worldSize >= MinPeersForRegions && region.Length == 0 && !link.Loopback && Distance(link) is { } rtt && elapsed > TimeSpan.Zero
        && HopShare(worldSize, elapsed, rtt) >= HopShareForRegions;

    /// <summary>Logs whichever advice <paramref name="elapsed"/> on <paramref name="link"/> calls for and was not logged before.</summary>
    public void AfterRing(RingLayout layout, int chunkBytes, string region, TimeSpan elapsed, TcpPath link)
    {
        if (PiecesTooSmall(layout, elapsed, link) && Interlocked.Exchange(ref _piecesHinted, 1) == 0)
        {
            logger.SmallPieces(layout.PieceBytes, Math.Round(TimePerPiece(layout, elapsed).TotalMilliseconds, 3), Math.Round(Distance(link)!.Value.TotalMilliseconds, 3), chunkBytes);
        }

        if (RingTooLong(layout.WorldSize, region, elapsed, link) && Interlocked.Exchange(ref _regionsHinted, 1) == 0)
        {
            var rtt = Distance(link)!.Value;
            logger.FlatRingSlow(layout.WorldSize, (int)Math.Round(100 * Math.Min(1, HopShare(layout.WorldSize, elapsed, rtt))), Math.Round(elapsed.TotalMilliseconds, 1),
                2 * (layout.WorldSize - 1), Math.Round(rtt.TotalMilliseconds, 3));
        }
    }

    /// <summary>The link's round trip without queueing: the kernel's least sample where it has one.</summary>
    private static TimeSpan? Distance(TcpPath link) => link.MinRoundTrip ?? link.RoundTrip;

    /// <summary>The operation's time over the pieces each peer receives: 2(n-1) slices' worth.</summary>
    private static TimeSpan TimePerPiece(RingLayout layout, TimeSpan elapsed)
    {
        var received = Math.Max(1.0, 2.0 * (layout.WorldSize - 1) * layout.TotalPieces / layout.WorldSize);
        return elapsed / received;
    }

    private static double HopShare(int worldSize, TimeSpan elapsed, TimeSpan rtt) => (worldSize - 1) * rtt.TotalMilliseconds / elapsed.TotalMilliseconds;
}
