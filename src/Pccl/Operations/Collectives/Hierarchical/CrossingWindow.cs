using Pccl.Transport;

namespace Pccl.Operations.Collectives.Hierarchical;

/// <summary>
/// The most bytes one crossing stream keeps in flight (<see cref="SendWindow"/>). The crossing rings of a region's
/// owners run at once over the one path the region shares; each stream left to its full window (megabytes) overfills a
/// slow path's queue, and a ring that ends with a burst and then waits for its partner has no later packets to signal a
/// lost last one, so it waits out a retransmission timeout. Each of the path's <c>streams</c> is bounded to its share
/// of what the path holds: share × rate × round trip × <see cref="Headroom"/>, the rate measured over the path in a
/// topology optimisation vote (<see cref="PathBitsPerSecond"/>) and the round trip the kernel's least one. The streams
/// together then keep the path busy without overfilling a queue of one round trip. Without a measured rate, or where
/// the share is no less than the stream's window, the window stays as it is.
/// </summary>
internal static class CrossingWindow
{
    /// <summary>
    /// The path's bandwidth-delay products the streams may keep in flight together: a path with a queue of one round
    /// trip holds two. The kernel keeps a stream's send buffer between about two thirds and all of its bound, so the
    /// streams together keep a little over one product in flight: the path stays busy without its queue overflowing.
    /// </summary>
    public const double Headroom = 2.0;

    /// <summary>
    /// The rate of the path to <paramref name="partner"/>'s side: the most measured to any peer of
    /// <paramref name="sideOf"/> on the partner's side, since all of them are reached over that one path and a
    /// measurement taken while other traffic shared it reads low. Null when none was measured.
    /// </summary>
    public static long? PathBitsPerSecond(Func<ulong, long?> measuredTo, ulong partner, IReadOnlyDictionary<ulong, string> sideOf)
    {
        var beyond = sideOf.TryGetValue(partner, out var key) ? sideOf.Where(p => p.Value == key).Select(p => p.Key) : [partner];
        return beyond.Select(measuredTo).Where(rate => rate is > 0).Max();
    }

    /// <summary>The bytes in flight for one of <paramref name="streams"/> streams crossing <paramref name="path"/>; null to leave the window alone.</summary>
    /// <param name="measuredBitsPerSecond">The rate measured over the path (<see cref="PathBitsPerSecond"/>); null when none was.</param>
    /// <param name="path">The stream's path as the kernel measured it.</param>
    /// <param name="streams">The streams crossing the path at once: the region's crossing peers' stripes together.</param>
    public static long? For(long? measuredBitsPerSecond, TcpPath path, int streams)
    {
        if (measuredBitsPerSecond is not > 0 || path.Loopback || (path.MinRoundTrip ?? path.RoundTrip) is not { } roundTrip || roundTrip <= TimeSpan.Zero)
        {
            return null;
        }

        var share = measuredBitsPerSecond.Value / 8.0 * roundTrip.TotalSeconds * Headroom / Math.Max(streams, 1);
        return share < path.Window ? (long)Math.Max(share, SendWindow.MinBytes) : null;
    }
}
