namespace Pccl.Operations.Collectives;

/// <summary>
/// The rate each stream of a lane to another host is paced to (<see cref="Transport.SocketPacing"/>): its share of the
/// path's measured rate, a little over it. Streams that share a path, unpaced, share it unevenly (the path's queue drops
/// one stream's packets more than another's) and, under a loss-based congestion control, together overfill its queue
/// and back off at the drops; held to equal shares they keep the queue short and finish together. The margin keeps the
/// path full where the measurement read a little low, and lets the streams carry more than the last measurement where
/// the path allows it, so the next measurement reads higher; without a measured rate nothing is paced.
/// </summary>
/// <remarks>
/// Used by the hierarchy's crossings (its peers share one path, <see cref="Hierarchical.CrossingStripes.Sharers"/>) and by
/// a flat ring's striped hop to another host (<see cref="LaneRestriping.PaceFor"/>, one sharer). Each holds its
/// stripes to the pace only while its ring runs and lifts it after, so neither runs under the other's.
/// </remarks>
internal static class StripePace
{
    /// <summary>How far over its share of the measured rate a stream may send.</summary>
    public const double Margin = 1.1;

    /// <summary>
    /// Bytes per second for each of <paramref name="stripes"/> streams of one of <paramref name="sharers"/> peers
    /// crossing a path measured at <paramref name="pathBitsPerSecond"/>; null (unpaced) when none was measured.
    /// </summary>
    public static long? BytesPerSecond(long? pathBitsPerSecond, int sharers, int stripes) =>
        pathBitsPerSecond is > 0 and { } bits
            ? Math.Max(1, (long)Math.Round(bits / 8.0 / Math.Max(sharers, 1) / Math.Max(stripes, 1) * Margin))
            : null;

    /// <summary>Paces each of <paramref name="stripes"/> to <paramref name="bytesPerSecond"/>, or lifts the pacing when null.</summary>
    public static void Apply(RingLink[] stripes, long? bytesPerSecond)
    {
        foreach (var stripe in stripes)
        {
            stripe.Connection.PaceTo(bytesPerSecond);
        }
    }
}
