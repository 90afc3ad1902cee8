using Pccl.Master.Core.Hierarchy;
using Pccl.Protocol.Messages;

namespace Pccl.Operations.Collectives.Hierarchical;

/// <summary>
/// How many of a lane's stripes a crossing ring (an all-reduce among segment owners of different regions) sends on.
/// The lane's count is sized for one stream set to fill the path (<c>performance.connections_per_peer</c>), but the
/// peers of a region all cross at once over the one path their region shares: their streams together count. So each
/// takes its share of the lane's count, at least one: together they keep about as many streams on the path as one
/// peer's lane would, instead of as many per peer, which overfills the path's queue.
/// </summary>
internal static class CrossingStripes
{
    /// <summary>The stripes one of <paramref name="sharers"/> peers crossing the same path at once sends on.</summary>
    public static int Share(int laneStripes, int sharers) =>
        Math.Max(1, (laneStripes + Math.Max(sharers, 1) - 1) / Math.Max(sharers, 1));

    /// <summary>
    /// The peers of <paramref name="self"/>'s side of the crossing at level <paramref name="level"/> (the same region one
    /// level below, by <paramref name="regionOf"/>'s labels) that cross at that level in <paramref name="start"/>'s plan:
    /// the streams on the path this peer's crossing rings leave by.
    /// </summary>
    public static int Sharers(CollectiveStart start, ulong self, uint level, Func<ulong, string> regionOf)
    {
        var paths = RegionPath.Padded([.. start.Ring.Select(regionOf)]);
        var side = start.Ring.Select((id, i) => (id, key: RegionPath.Prefix(paths[i], (int)level + 1))).ToDictionary(x => x.id, x => x.key);
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
}
