using Pccl.Master.Core.Hierarchy;
using Pccl.Master.Core.Topology;
using Pccl.Protocol.Messages;
using Pccl.Tests.Master.Support;

namespace Pccl.Tests.Master.Hierarchy;

/// <summary>
/// The master sets on each crossing all-reduce the rate of the path it crosses, so every peer paces its crossing from
/// the same figure: what the region's crossing peers carried last time, else the bandwidth matrix's best reading.
/// </summary>
public class CrossingPathRatesTests
{
    private static readonly ulong[] Ring = [1, 2, 3, 4, 5, 6, 7, 8];
    private static readonly string[] Labels = ["a", "a", "a", "a", "b", "b", "b", "b"];
    private static readonly Dictionary<(uint, string), ulong> NothingCarried = [];

    [Fact]
    public void WithoutACarriedRateACrossingTakesTheMostMeasuredBetweenItsRegionsNotItsOwnersReading()
    {
        var stages = HierarchyPlanner.Plan(Ring, Labels, 1024);
        var measured = new Dictionary<(ulong, ulong), double>
        {
            [(1, 5)] = 20e6,   // a reading taken while other traffic shared the path: low
            [(2, 6)] = 24e6,
            [(6, 2)] = 23e6,
            [(5, 1)] = 10e6,
            [(1, 2)] = 900e6,  // inside a region: not the path
        };

        CrossingPathRates.Set(stages, Ring, Labels, NothingCarried, measured);

        var crossings = stages.Where(s => s.Kind == HierarchyStageKind.AllReduce).ToList();
        Assert.Equal(4, crossings.Count);
        // both directions are hops of a two-member ring: the slower direction's best reading counts
        Assert.All(crossings, s => Assert.Equal(184_000_000UL, s.PathBitsPerSecond));
        Assert.All(stages.Where(s => s.Kind != HierarchyStageKind.AllReduce), s => Assert.Equal(0UL, s.PathBitsPerSecond));
    }

    [Fact]
    public void APathNeverMeasuredOrUnusableGivesNoRate()
    {
        var stages = HierarchyPlanner.Plan(Ring, Labels, 1024);

        CrossingPathRates.Set(stages, Ring, Labels, NothingCarried, new Dictionary<(ulong, ulong), double> { [(1, 5)] = 25e6, [(5, 1)] = 0 });

        Assert.All(stages, s => Assert.Equal(0UL, s.PathBitsPerSecond));
    }

    [Fact]
    public void WhatARegionCarriedLastTimeComesBeforeTheMatrix()
    {
        var stages = HierarchyPlanner.Plan(Ring, Labels, 1024);
        var carried = new Dictionary<(uint, string), ulong> { [(0, "a")] = 190_000_000, [(0, "b")] = 180_000_000 };

        CrossingPathRates.Set(stages, Ring, Labels, carried, new Dictionary<(ulong, ulong), double> { [(1, 5)] = 33e6, [(5, 1)] = 33e6 });

        Assert.All(stages.Where(s => s.Kind == HierarchyStageKind.AllReduce), s => Assert.Equal(180_000_000UL, s.PathBitsPerSecond));
    }

    [Fact]
    public void ARegionCarriedTheSumOfItsPeersRatesAtEachLevel()
    {
        ulong[] ring = [1, 2, 3, 4, 5, 6];
        string[] labels = ["eu/x", "eu/x", "eu/y", "us/x", "us/x", "us"];
        var reports = new Dictionary<ulong, IReadOnlyList<CrossingRate>>
        {
            [1] = [new CrossingRate { Level = 0, BitsPerSecond = 40 }, new CrossingRate { Level = 1, BitsPerSecond = 500 }],
            [2] = [new CrossingRate { Level = 0, BitsPerSecond = 50 }],
            [4] = [new CrossingRate { Level = 0, BitsPerSecond = 70 }, new CrossingRate { Level = 7, BitsPerSecond = 9 }],
            [6] = [new CrossingRate { Level = 1, BitsPerSecond = ulong.MaxValue }],
            [99] = [new CrossingRate { Level = 0, BitsPerSecond = 1000 }], // not in the operation
        };

        var tally = CrossingPathRates.Tally(ring, labels, reports);

        Assert.Equal(90UL, tally[(0, "eu")]);
        Assert.Equal(70UL, tally[(0, "us")]);
        Assert.Equal(500UL, tally[(1, "eu/x")]);
        Assert.Equal(CrossingPathRates.MaxBitsPerSecond, tally[(1, "us/")]); // a report counts for at most the cap
        Assert.Equal(4, tally.Count); // level 7: deeper than the labels, no path
    }

    [Theory]
    [InlineData(null, 100UL, 100UL)]   // the first reading
    [InlineData(200UL, 250UL, 250UL)]  // a higher one at once
    [InlineData(200UL, 100UL, 180UL)]  // a lower one falls no more than a tenth per operation
    [InlineData(200UL, 190UL, 190UL)]
    public void AKeptRateRisesAtOnceAndFallsSlowly(ulong? last, ulong carried, ulong kept) =>
        Assert.Equal(kept, CrossingPathRates.Next(last, carried));

    [Fact]
    public void TheNextStartCarriesWhatTheRegionsCarriedOrWhatTheVoteMeasured()
    {
        var s = new MasterScenario();
        SimPeer[] peers = [s.Join("a1", region: "a"), s.Join("b1", region: "b"), s.Join("a2", region: "a"), s.Join("b2", region: "b")];
        var sequence = s.Run(1, peers);
        Assert.All(peers[0].Starts[1].Hierarchy, stage => Assert.Equal(0UL, stage.PathBitsPerSecond));

        var matrix = new BandwidthMatrix();
        matrix.Record(peers[0].Id, peers[1].Id, 25e6);
        matrix.Record(peers[1].Id, peers[0].Id, 25e6);
        s.State.Bandwidth[0] = matrix;
        s.Run(2, peers);
        Assert.All(Crossings(peers[0].Starts[2]), stage => Assert.Equal(200_000_000UL, stage.PathBitsPerSecond));

        foreach (var (peer, bits) in peers.Zip([60_000_000UL, 45_000_000UL, 80_000_000UL, 50_000_000UL]))
        {
            var done = Msg.Done(1, sequence);
            done.CollectiveDone.Crossings.Add(new CrossingRate { Level = 0, BitsPerSecond = bits });
            s.Send(peer, done);
        }

        s.Run(3, peers);
        // a carried 140 Mbit/s, b 95: each crossing ring's slower hop
        Assert.All(Crossings(peers[0].Starts[3]), stage => Assert.Equal(95_000_000UL, stage.PathBitsPerSecond));
    }

    private static List<HierarchyStage> Crossings(CollectiveStart start)
    {
        var crossings = start.Hierarchy.Where(stage => stage.Kind == HierarchyStageKind.AllReduce).ToList();
        Assert.NotEmpty(crossings);
        return crossings;
    }
}
