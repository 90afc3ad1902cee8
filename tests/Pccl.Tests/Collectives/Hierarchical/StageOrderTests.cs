using Pccl.Master.Core.Hierarchy;
using Pccl.Operations.Collectives.Hierarchical;
using Pccl.Protocol.Messages;

namespace Pccl.Tests.Collectives.Hierarchical;

/// <summary>
/// Which of a peer's hierarchy rings wait for which: the same level's rings one after another (they share
/// connections), a ring after the earlier ones over its elements, and nothing else, so the crossing of a chunk runs
/// beside the region's work on the others.
/// </summary>
public class StageOrderTests
{
    [Fact]
    public void ACrossingWaitsForItsReduceScatterAloneAndAGatherForItsCrossing()
    {
        // peer 1 of "a b a b" in 4 chunks of 1000: its reduce-scatters and all-gathers at level 1, its crossings at level 0
        var mine = Mine(HierarchyPlanner.Plan([1, 2, 3, 4], ["a", "b", "a", "b"], 4000, 4), 1);
        var waits = StageOrder.Predecessors(mine);

        for (var j = 0; j < mine.Count; j++)
        {
            var stage = mine[j];
            var previousSameLevel = mine.Take(j).Select((s, i) => (s, i)).LastOrDefault(x => x.s.Level == stage.Level);
            var expected = mine.Take(j).Select((s, i) => (s, i))
                .Where(x => x.s.Level != stage.Level && Overlap(x.s, stage))
                .Select(x => x.i)
                .Concat(previousSameLevel.s is null ? [] : [previousSameLevel.i])
                .Order();
            Assert.Equal(expected, waits[j].Order());
        }

        // the first crossing waits for the first reduce-scatter only, not for the other chunks' ones
        var crossing = mine.ToList().FindIndex(s => s.Kind == HierarchyStageKind.AllReduce);
        Assert.Equal([0], waits[crossing]);
        Assert.True(crossing < mine.ToList().FindLastIndex(s => s.Kind == HierarchyStageKind.ReduceScatter), "the first crossing comes before the last reduce-scatter");
    }

    [Fact]
    public void AnUnpipelinedPlanRunsInListOrder()
    {
        var mine = Mine(HierarchyPlanner.Plan([1, 2, 3, 4], ["a", "b", "a", "b"], 1000), 2);
        var waits = StageOrder.Predecessors(mine);

        Assert.Equal([[], [0], [0, 1]], waits.Select(w => w.Order().ToArray()));
    }

    private static List<HierarchyStage> Mine(IEnumerable<HierarchyStage> stages, ulong peer) => [.. stages.Where(s => s.Members.Contains(peer))];

    private static bool Overlap(HierarchyStage a, HierarchyStage b) =>
        a.FirstElement < b.FirstElement + b.ElementCount && b.FirstElement < a.FirstElement + a.ElementCount;
}
