namespace Pccl.Operations.Collectives.Hierarchical;

/// <summary>
/// The rate each stream of a crossing ring is paced to (<see cref="Transport.SocketPacing"/>): its share of the path's
/// measured rate, a little over it. The crossing peers of a region share one path, and unpaced their streams share it
/// unevenly (the path's queue drops one stream's packets more than another's), so some owners finish their crossings
/// well before others and every chunk's all-gather waits for the slowest; paced to equal shares they finish together.
/// The margin keeps the path full where the measurement read a little low, and lets the streams carry more than the
/// last measurement where the path allows it, so the next measurement (<see cref="CrossingMeter"/>) reads higher;
/// without a measured rate nothing is paced.
/// </summary>
internal static class CrossingPace
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
}
