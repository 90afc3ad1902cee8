using Pccl.Master.Core.Hierarchy;
using Pccl.Operations.Collectives;
using Pccl.Protocol.Messages;

namespace Pccl.Tests.Master.Hierarchy;

/// <summary>
/// The master's hierarchy plan, checked by running it on contributor sets: every element of every peer must end up
/// reduced from every peer exactly once, whatever the region shape, the label depths and the element count.
/// </summary>
public class HierarchyPlannerTests
{
    public static TheoryData<string> Shapes => new()
    {
        "a b a b",                                   // 2+2, regions interleaved in ring order
        "a a a b",                                   // 3+1
        "a b c",                                     // 1+1+1
        "a b c a b c",                               // 2+2+2
        "eu/r1 eu/r1 eu/r2 eu/r2 us/r1 us/r1 us/r2 us/r2", // two levels, 2 x (2+2)
        "a a a b b c",                               // 3+2+1
        "a a a a a b b b",                           // 5+3
        "eu/x eu/x eu/x eu/y us/x us/x",             // nested and unequal
        "eu eu/fra - eu/fra -",                      // mixed depths and unlabelled ('-')
    };

    [Theory]
    [MemberData(nameof(Shapes))]
    public void EveryElementIsReducedFromEveryPeerExactlyOnce(string shape)
    {
        var labels = Labels(shape);
        var ring = Enumerable.Range(1, labels.Count).Select(i => (ulong)i).ToList();
        foreach (var count in new ulong[] { 1, 2, 3, 7, 1025 })
        {
            var stages = HierarchyPlanner.Plan(ring, labels, count);
            Assert.NotEmpty(stages);
            var result = Simulate(ring, stages, count);
            var everyone = ring.Aggregate(0UL, (mask, id) => mask | Bit(id));
            foreach (var id in ring)
            {
                Assert.All(result[id], (mask, e) => Assert.True(mask == everyone, $"{shape}, {count} elements: peer {id} element {e} holds {mask:x}, not {everyone:x}"));
            }
        }
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void APipelinedPlanReducesEveryElementExactlyOnceInListOrder(string shape)
    {
        var labels = Labels(shape);
        var ring = Enumerable.Range(1, labels.Count).Select(i => (ulong)i).ToList();
        foreach (var (count, chunks) in new (ulong, int)[] { (1, 4), (3, 2), (1025, 3), (4000, 8) })
        {
            var stages = HierarchyPlanner.Plan(ring, labels, count, chunks);
            var result = Simulate(ring, stages, count);
            var everyone = ring.Aggregate(0UL, (mask, id) => mask | Bit(id));
            foreach (var id in ring)
            {
                Assert.All(result[id], (mask, e) => Assert.True(mask == everyone, $"{shape}, {count} elements in {chunks} chunks: peer {id} element {e} holds {mask:x}"));
            }
        }
    }

    [Fact]
    public void ChunksInterleaveSoTheNextReduceScatterComesBeforeTheLastAllGather()
    {
        var stages = HierarchyPlanner.Plan([1, 2, 3, 4], Labels("a b a b"), 4000, 4);

        Assert.Equal(4 * 6, stages.Count);
        var firstGather = stages.ToList().FindIndex(s => s.Kind == HierarchyStageKind.AllGather);
        var firstCrossing = stages.ToList().FindIndex(s => s.Kind == HierarchyStageKind.AllReduce);
        // chunk 0's crossing comes before chunk 1's reduce-scatter is over, and chunks 1 to 3 reduce-scatter before chunk 0 gathers
        Assert.True(firstCrossing < stages.ToList().FindLastIndex(s => s.Kind == HierarchyStageKind.ReduceScatter && s.FirstElement == 1000));
        Assert.Equal(7, stages.Take(firstGather).Count(s => s.Kind == HierarchyStageKind.ReduceScatter));
        Assert.All(stages.Where(s => s.Kind == HierarchyStageKind.AllReduce), s => Assert.Equal(500UL, s.ElementCount));
    }

    [Theory]
    [InlineData(1_000UL, 4, 1)]
    [InlineData(16UL << 20, 4, 8)]     // 64 MiB of floats: the most chunks
    [InlineData(4UL << 20, 4, 2)]      // 16 MiB
    [InlineData(64UL << 20, 1, 8)]
    [InlineData(ulong.MaxValue, 8, 8)]
    public void ChunksFollowTheBufferSize(ulong elements, int elementSize, int chunks) =>
        Assert.Equal(chunks, HierarchyPlanner.ChunksFor(elements, elementSize));

    [Fact]
    public void EqualRegionsSendEachPeersShardAcrossOnceAndAllAtOnce()
    {
        var stages = HierarchyPlanner.Plan([1, 2, 3, 4], Labels("a b a b"), 1000);

        var crossing = stages.Where(s => s.Kind == HierarchyStageKind.AllReduce).ToList();
        Assert.Equal(2, crossing.Count);
        Assert.All(crossing, s => Assert.Equal(500UL, s.ElementCount));
        Assert.Equal([1UL, 2, 3, 4], crossing.SelectMany(s => s.Members).Order().ToArray());
        Assert.All(crossing, s => Assert.Equal(0U, s.Level));
        Assert.Equal([HierarchyStageKind.ReduceScatter, HierarchyStageKind.ReduceScatter], stages.Take(2).Select(s => s.Kind));
        Assert.Equal([HierarchyStageKind.AllGather, HierarchyStageKind.AllGather], stages.TakeLast(2).Select(s => s.Kind));
    }

    [Fact]
    public void TwoLevelsCrossTheTopLevelWithAQuarterPerPeer()
    {
        var labels = Labels("eu/r1 eu/r1 eu/r2 eu/r2 us/r1 us/r1 us/r2 us/r2");
        var stages = HierarchyPlanner.Plan([1, 2, 3, 4, 5, 6, 7, 8], labels, 4000);

        var top = stages.Where(s => s.Kind == HierarchyStageKind.AllReduce).ToList();
        Assert.Equal(4, top.Count);
        Assert.All(top, s => Assert.Equal(1000UL, s.ElementCount)); // a quarter of the buffer: each peer's share of its region
        Assert.All(top, s => Assert.Equal(0U, s.Level));
        Assert.Contains(stages, s => s.Kind == HierarchyStageKind.ReduceScatter && s.Level == 1); // racks inside a region
    }

    [Fact]
    public void OneLabelForAllMakesNoPlan()
    {
        Assert.Empty(HierarchyPlanner.Plan([1, 2, 3], ["eu", "eu", "eu"], 10));
        Assert.Empty(HierarchyPlanner.Plan([1, 2], ["", ""], 10));
    }

    [Fact]
    public void MixedLabelsFollowThePaddingRule()
    {
        // an unlabelled peer is in the region "", and "eu" beside "eu/fra" is the sub-region "eu/" of "eu"
        var labels = new[] { "eu", "eu/fra", "", "eu/fra", "" };
        var stages = HierarchyPlanner.Plan([1, 2, 3, 4, 5], labels, 100);
        var summary = HierarchySummary.Of([1, 2, 3, 4, 5], labels, stages);

        Assert.Equal(["eu/", "eu/fra", "/"], summary.Regions.Select(r => r.Label));
        Assert.Equal([[1UL], [2UL, 4], [3UL, 5]], summary.Regions.Select(r => r.Peers.ToArray()));
        // peer 1 ("eu") and the eu/fra peers meet inside eu (level 1) before eu meets the unlabelled peers (level 0)
        Assert.Contains(stages, s => s.Level == 1 && s.Kind == HierarchyStageKind.ReduceScatter && s.Members.Contains(1UL));
        Assert.All(stages.Where(s => s.Level == 0), s => Assert.Equal(HierarchyStageKind.AllReduce, s.Kind));
        Assert.All(stages.Where(s => s.Level == 0), s => Assert.True(s.Members.Contains(3UL) || s.Members.Contains(5UL)));
        Assert.Contains("regions 'eu/' [1]", summary.Description, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("eu//fra")]
    [InlineData("/eu")]
    [InlineData("eu/")]
    public void ALabelWithAnEmptyLevelIsNamed(string label) =>
        Assert.Contains("empty level", RegionPath.Problem(label), StringComparison.Ordinal);

    [Theory]
    [InlineData("")]
    [InlineData("eu")]
    [InlineData("eu/fra/rack1")]
    public void WellFormedLabelsPass(string label) => Assert.Null(RegionPath.Problem(label));

    [Theory]
    [InlineData(1025, 3)]
    [InlineData(2, 3)]
    [InlineData(7, 4)]
    public void SlicesAreTheRingsSlices(int count, int world)
    {
        var layout = new RingLayout(count, 4, world, 1 << 20);
        for (var k = 0; k < world; k++)
        {
            Assert.Equal(layout.Piece(k, 0).Offset / 4, (long)HierarchyPlanner.SliceStart(0, (ulong)count, world, k));
        }
    }

    private static List<string> Labels(string shape) => [.. shape.Split(' ').Select(l => l == "-" ? "" : l)];

    private static ulong Bit(ulong id) => 1UL << (int)id;

    /// <summary>
    /// Runs the plan on contributor sets: a ring reduce-scatter leaves slice k's union with rank k − 1 and the others'
    /// copies undefined (0), an all-reduce gives every member the union, an all-gather copies each owner's slice.
    /// A union of overlapping sets (a contribution counted twice) or of an undefined copy fails.
    /// </summary>
    private static Dictionary<ulong, ulong[]> Simulate(List<ulong> ring, IReadOnlyList<HierarchyStage> stages, ulong count)
    {
        var held = ring.ToDictionary(id => id, id => Enumerable.Repeat(Bit(id), (int)count).ToArray());
        foreach (var stage in stages)
        {
            var members = stage.Members.ToList();
            var n = members.Count;
            var lo = stage.FirstElement;
            var hi = lo + stage.ElementCount;
            for (var k = 0; k < n; k++)
            {
                var start = HierarchyPlanner.SliceStart(lo, hi, n, k);
                var end = k + 1 < n ? HierarchyPlanner.SliceStart(lo, hi, n, k + 1) : hi;
                var owner = members[HierarchyPlanner.OwnerRank(k, n)];
                for (var e = (int)start; e < (int)end; e++)
                {
                    switch (stage.Kind)
                    {
                        case HierarchyStageKind.ReduceScatter:
                            var union = Union(members.Select(m => held[m][e]));
                            foreach (var m in members)
                            {
                                held[m][e] = m == owner ? union : 0;
                            }

                            break;
                        case HierarchyStageKind.AllReduce:
                            var all = Union(members.Select(m => held[m][e]));
                            foreach (var m in members)
                            {
                                held[m][e] = all;
                            }

                            break;
                        default:
                            Assert.NotEqual(0UL, held[owner][e]);
                            foreach (var m in members)
                            {
                                held[m][e] = held[owner][e];
                            }

                            break;
                    }
                }
            }
        }

        return held;
    }

    private static ulong Union(IEnumerable<ulong> sets) => sets.Aggregate(0UL, (acc, s) =>
    {
        Assert.NotEqual(0UL, s);
        Assert.Equal(0UL, acc & s);
        return acc | s;
    });
}
