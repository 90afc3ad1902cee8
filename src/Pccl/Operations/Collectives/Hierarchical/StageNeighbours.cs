using Pccl.Protocol.Messages;

namespace Pccl.Operations.Collectives.Hierarchical;

/// <summary>The neighbours a peer exchanges with in an operation: its ring neighbours, or in a hierarchy those of every stage it runs.</summary>
internal static class StageNeighbours
{
    /// <summary>Each distinct (successor, predecessor) pair of <paramref name="self"/> in <paramref name="start"/>; none when it is not a member.</summary>
    public static IEnumerable<(ulong Next, ulong Previous)> Of(CollectiveStart start, ulong self)
    {
        IEnumerable<IList<ulong>> rings = start.Hierarchy.Count > 0 ? start.Hierarchy.Select(s => (IList<ulong>)s.Members) : [start.Ring];
        return rings
            .Select(ring => (ring, rank: ring.IndexOf(self)))
            .Where(x => x.rank >= 0 && x.ring.Count > 1)
            .Select(x => (x.ring[(x.rank + 1) % x.ring.Count], x.ring[(x.rank + x.ring.Count - 1) % x.ring.Count]))
            .Distinct();
    }
}
