using Pccl.Master.Core.Hierarchy;
using Pccl.Protocol.Messages;

namespace Pccl.Operations.Collectives.Hierarchical;

/// <summary>
/// How many of a lane's stripes a crossing ring (an all-reduce among segment owners of different regions) sends on.
/// The peers of a region all cross at once over the one path their region shares, so their streams together count:
/// a lane's stripe count is sized for one peer's streams to fill the path, and every crossing peer taking all of it
/// overfills the path's queue (losses, then backoff). A count the user set (<c>performance.connections_per_peer</c>)
/// is shared out: each crossing peer takes its share, at least one. An automatic count takes what fills this peer's
/// share of the rate measured over the path (by a topology optimisation vote, or by the ring's own operations:
/// <see cref="Topology.MeasuredRates"/>; at most the lane's stripes). Where none
/// was measured the lane's count assumes a fast path, which says nothing about the one being crossed; so where several
/// peers cross together each takes one stream (their windows together then fill a path of a few of one stream's
/// worth), and a peer crossing alone keeps the lane's count.
/// </summary>
internal static class CrossingStripes
{
    /// <summary>The stripes one of <paramref name="sharers"/> peers crossing the same path at once sends on.</summary>
    /// <param name="laneStripes">The lane's stripes to the crossing partner.</param>
    /// <param name="sharers">The peers of this peer's region crossing at the same level (<see cref="Sharers"/>).</param>
    /// <param name="configured">Whether the lane's count was set by the user rather than chosen automatically.</param>
    /// <param name="measuredShare">The stripes that fill this peer's share of the rate measured over the path
    /// (<see cref="StripeCount"/> for the rate over <paramref name="sharers"/>); null when none was measured.</param>
    public static int For(int laneStripes, int sharers, bool configured, int? measuredShare = null) =>
        configured ? Share(laneStripes, sharers)
        : measuredShare is { } measured ? Math.Clamp(measured, 1, Math.Max(1, laneStripes))
        : sharers > 1 ? 1 : Math.Max(1, laneStripes);

    /// <summary>The stripes one of <paramref name="sharers"/> peers takes of <paramref name="laneStripes"/>, rounded up.</summary>
    public static int Share(int laneStripes, int sharers) =>
        Math.Max(1, (laneStripes + Math.Max(sharers, 1) - 1) / Math.Max(sharers, 1));

    /// <summary>
    /// The peers of <paramref name="self"/>'s side of the crossing at level <paramref name="level"/> (the same region one
    /// level below, by <paramref name="regionOf"/>'s labels) that cross at that level in <paramref name="start"/>'s plan:
    /// the streams on the path this peer's crossing rings leave by.
    /// </summary>
    public static int Sharers(CollectiveStart start, ulong self, uint level, Func<ulong, string> regionOf)
    {
        var side = Sides(start, level, regionOf);
        if (!side.TryGetValue(self, out var mine))
        {
            return 1;
        }

        return Math.Max(1, start.Hierarchy
            .Where(s => s.Kind == HierarchyStageKind.AllReduce && s.Level == level)
            .SelectMany(s => s.Members)
            .Distinct()
            .Count(id => side.TryGetValue(id, out var key) && key == mine));
    }

    /// <summary>
    /// Each peer of <paramref name="start"/>'s ring by the side of a crossing at level <paramref name="level"/> it is on
    /// (its region one level below): peers with the same key reach the others over the same path.
    /// </summary>
    public static Dictionary<ulong, string> Sides(CollectiveStart start, uint level, Func<ulong, string> regionOf)
    {
        var paths = RegionPath.Padded([.. start.Ring.Select(regionOf)]);
        return start.Ring.Select((id, i) => (id, key: RegionPath.Prefix(paths[i], (int)level + 1))).ToDictionary(x => x.id, x => x.key);
    }

    /// <summary>
    /// The rate of the path to <paramref name="partner"/>'s side: the most a vote measured to any peer on that side
    /// (<paramref name="sideOf"/>, <see cref="Sides"/>), since all of them are reached over the one path and a
    /// measurement taken while other traffic shared it reads low. Null when none was measured.
    /// </summary>
    public static long? PathBitsPerSecond(Func<ulong, long?> measuredTo, ulong partner, IReadOnlyDictionary<ulong, string> sideOf)
    {
        var beyond = sideOf.TryGetValue(partner, out var key) ? sideOf.Where(p => p.Value == key).Select(p => p.Key) : [partner];
        return beyond.Select(measuredTo).Where(rate => rate is > 0).Max();
    }
}
