using Pccl.Protocol.Messages;

namespace Pccl.Operations.Collectives.Hierarchical;

/// <summary>
/// When each of a peer's hierarchy rings may start: after the peer's earlier rings at the same level (those share its
/// neighbours at that level, so their frames share connections and must not interleave) and after its earlier rings
/// over any of the same elements (whose results it takes). Rings at different levels use different neighbours, so a
/// crossing of one chunk runs while the region reduce-scatters the next. Since every peer orders its rings by the
/// plan's one list, the earliest unfinished ring of the plan always has all its members at it: no cycle of waits.
/// </summary>
internal static class StageOrder
{
    /// <summary>For each of <paramref name="mine"/> (this peer's rings in plan order), the indices of the earlier ones it waits for.</summary>
    public static IReadOnlyList<int[]> Predecessors(IReadOnlyList<HierarchyStage> mine)
    {
        var waits = new int[mine.Count][];
        for (var j = 0; j < mine.Count; j++)
        {
            var before = new List<int>();
            var sameLevel = -1;
            for (var i = 0; i < j; i++)
            {
                if (mine[i].Level == mine[j].Level)
                {
                    sameLevel = i;
                }
                else if (Overlap(mine[i], mine[j]))
                {
                    before.Add(i);
                }
            }

            // the same level's rings form one chain, so the latest of them stands for the others
            if (sameLevel >= 0)
            {
                before.Add(sameLevel);
            }

            waits[j] = [.. before];
        }

        return waits;
    }

    private static bool Overlap(HierarchyStage a, HierarchyStage b) =>
        a.FirstElement < b.FirstElement + b.ElementCount && b.FirstElement < a.FirstElement + a.ElementCount;
}
