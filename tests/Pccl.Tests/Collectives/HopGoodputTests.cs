using Pccl.Operations.Collectives;
using Pccl.Protocol.Codec;
using Pccl.Operations.Topology;
using Pccl.Transport;

namespace Pccl.Tests.Collectives;

/// <summary>
/// Automatic striping measured by the ring's own operations: what a finished operation's hop measures of the path, how
/// the peer's rate follows it, and that a lane opened at the cap settles on what the path holds without swinging back.
/// </summary>
public class HopGoodputTests
{
    private const long FourMiB = Support.LongPath.WindowBytes;
    private static readonly TcpPath LongPath = Support.LongPath.Path;

    private static long BytesAt(double bitsPerSecond, TimeSpan elapsed) => (long)(bitsPerSecond / 8 * elapsed.TotalSeconds);

    [Fact]
    public void ALongOperationMeasuresThePathAndWhetherItsStripesWereTheLimit()
    {
        var elapsed = TimeSpan.FromSeconds(2);
        // 8 stripes are planned to carry 8 × 0.75 × 4 MiB per 100 ms = 2.0 Gbit/s; 656 Mbit/s is the path's doing
        var pathBound = HopGoodput.Of(BytesAt(656e6, elapsed), elapsed, LongPath, 8);
        Assert.NotNull(pathBound);
        Assert.InRange(pathBound.Value.BitsPerSecond, 655_000_000, 657_000_000);
        Assert.False(pathBound.Value.WindowBound);

        // 3 stripes are planned to carry 755 Mbit/s: at 850 Mbit/s (0.84 of their windows) they may have been the
        // limit, at 650 they had room to spare
        Assert.True(HopGoodput.Of(BytesAt(850e6, elapsed), elapsed, LongPath, 3)!.Value.WindowBound);
        Assert.False(HopGoodput.Of(BytesAt(650e6, elapsed), elapsed, LongPath, 3)!.Value.WindowBound);
    }

    [Theory]
    [InlineData(20, 1)]
    [InlineData(100, 4)]
    [InlineData(250, 4)]
    [InlineData(100, 16)]
    public void AReadingItsStripesMayHaveBoundedAsksForMoreOfThem(int roundTripMs, int windowMiB)
    {
        var window = windowMiB * 1024L * 1024;
        var path = new TcpPath(TimeSpan.FromMilliseconds(roundTripMs + 1), window, Loopback: false, MinRoundTrip: TimeSpan.FromMilliseconds(roundTripMs));
        var elapsed = TimeSpan.FromSeconds(5);
        for (var stripes = 1; stripes < RingStripes.Max; stripes++)
        {
            // each stripe carried this share of its window per least round trip, over the whole operation
            foreach (var share in new[] { 0.76, 0.8, 0.9, 1.0, 1.3 })
            {
                var bits = stripes * share * window * 8 / (roundTripMs / 1000.0);
                var reading = HopGoodput.Of(BytesAt(bits, elapsed), elapsed, path, stripes)!.Value;
                Assert.True(reading.WindowBound, $"{stripes} stripes at {share} of a window");
                Assert.True(StripeCount.For(null, path, reading.BitsPerSecond) > stripes, $"{stripes} stripes at {share} of a window");
            }

            foreach (var share in new[] { 0.3, 0.5, 0.6, 0.74 })
            {
                var bits = stripes * share * window * 8 / (roundTripMs / 1000.0);
                var reading = HopGoodput.Of(BytesAt(bits, elapsed), elapsed, path, stripes)!.Value;
                Assert.False(reading.WindowBound, $"{stripes} stripes at {share} of a window");
                Assert.True(StripeCount.For(null, path, reading.BitsPerSecond) <= stripes, $"{stripes} stripes at {share} of a window");
            }
        }
    }

    [Fact]
    public void AShortOperationOrAPathWithoutDistanceMeasuresNothing()
    {
        var elapsed = TimeSpan.FromSeconds(2);
        var bytes = BytesAt(656e6, elapsed);
        // fewer than four round trips: its time is latency, not rate
        Assert.Null(HopGoodput.Of(bytes, TimeSpan.FromMilliseconds(399), LongPath, 8));
        // less than two windows per stripe: the windows never filled
        Assert.Null(HopGoodput.Of((2 * 8 * FourMiB) - 1, elapsed, LongPath, 8));
        Assert.NotNull(HopGoodput.Of(2 * 8 * FourMiB, elapsed, LongPath, 8));
        Assert.Null(HopGoodput.Of(bytes, elapsed, LongPath with { Loopback = true }, 8));
        Assert.Null(HopGoodput.Of(bytes, elapsed, LongPath with { RoundTrip = null, MinRoundTrip = null }, 8));
        Assert.Null(HopGoodput.Of(bytes, elapsed, LongPath with { Window = 0 }, 8));
    }

    [Fact]
    public void TheFirstMeasurementSetsTheRateAndOnlyStripesThatWereTheLimitRaiseIt()
    {
        var rates = new MeasuredRates();
        Assert.NotNull(rates.Observe(7, new HopGoodput(656_000_000, WindowBound: false)));
        Assert.Equal(656_000_000, rates.BitsPerSecondTo(7));

        // faster, but the path was the limit: a slower or faster operation on a full path does not move the stripes
        Assert.Null(rates.Observe(7, new HopGoodput(700_000_000, WindowBound: false)));
        Assert.Null(rates.Observe(7, new HopGoodput(300_000_000, WindowBound: true)));
        Assert.Equal(656_000_000, rates.BitsPerSecondTo(7));

        Assert.NotNull(rates.Observe(7, new HopGoodput(950_000_000, WindowBound: true)));
        Assert.Equal(950_000_000, rates.BitsPerSecondTo(7));

        // a vote's measurement counts only where it read more (MeasuredRatesTests)
        rates.Record(7, 62_500_000);
        Assert.Equal(950_000_000, rates.BitsPerSecondTo(7));
    }

    [Fact]
    public void StripesThatWereTheLimitAreNeverTakenAway()
    {
        // a 10 Gbit/s path at 100 ms: 8 stripes carried all their windows allow, and the rate that becomes asks for 8 again
        var rates = new MeasuredRates();
        var elapsed = TimeSpan.FromSeconds(2);
        var full = HopGoodput.Of(BytesAt(3.1e9, elapsed), elapsed, LongPath, 8)!.Value;
        Assert.True(full.WindowBound);
        rates.Observe(1, full);
        Assert.Equal(8, StripeCount.For(null, LongPath, rates.BitsPerSecondTo(1)));
    }

    /// <summary>
    /// A path with a one-round-trip queue: each stripe carries up to <paramref name="windowShare"/> of its 4 MiB window
    /// per round trip over an operation (0.8 or more, fill and drain included, where the window is the limit: one stream
    /// carried 1.25 of it over the emulated 100 ms path, <c>pccl bench wan --connections-per-peer 1</c>) until the
    /// stripes keep more in flight than the path and its queue hold, and then tail drops cost a quarter of the rate; an
    /// operation reaches 0.92 of the path at best. Each operation's goodput feeds the rule, as
    /// <see cref="LaneRestriping"/> does after every ring operation, from an unmeasured lane (striped for 1 Gbit/s) or
    /// after a vote that read <paramref name="voteShare"/> of the path. The count must settle, never go back
    /// down, and never settle where the stripes' windows were the limit.
    /// </summary>
    [Theory]
    [InlineData(1e9, 0.8, 0.0)]
    [InlineData(1e9, 0.9, 0.0)]
    [InlineData(1e9, 1.0, 0.0)]
    [InlineData(1e9, 0.85, 0.5)]
    [InlineData(1e9, 0.8, 0.3)]
    [InlineData(3e8, 0.8, 0.0)]
    [InlineData(6e8, 0.8, 0.4)]
    [InlineData(1.5e9, 0.8, 0.6)]
    public void ALaneSettlesWhereThePathAndNotItsWindowsIsTheLimit(double rate, double windowShare, double voteShare)
    {
        var inFlightLimit = 2 * rate / 8 * 0.1; // path + queue
        double StripesCarry(int stripes) => stripes * windowShare * FourMiB * 8 / 0.1;
        double Goodput(int stripes) => stripes * FourMiB > inFlightLimit ? 0.75 * rate : Math.Min(0.92 * rate, StripesCarry(stripes));

        var rates = new MeasuredRates();
        if (voteShare > 0)
        {
            rates.Record(1, voteShare * rate / 8);
        }

        var elapsed = TimeSpan.FromSeconds(3);
        var stripes = StripeCount.For(null, LongPath, rates.BitsPerSecondTo(1));
        var counts = new List<int>();
        for (var operation = 0; operation < 10; operation++)
        {
            var goodput = HopGoodput.Of(BytesAt(Goodput(stripes), elapsed), elapsed, LongPath, stripes)!.Value;
            rates.Observe(1, goodput);
            stripes = StripeCount.For(null, LongPath, rates.BitsPerSecondTo(1));
            counts.Add(stripes);
        }

        var trace = string.Join(", ", counts);
        Assert.Equal(counts[^1], counts[^6]); // settled: the last five operations ran on one count
        Assert.True(counts.Zip(counts.Skip(1)).All(p => p.Second >= p.First), trace); // never back down
        Assert.True(counts[^1] == RingStripes.Max || StripesCarry(counts[^1]) > 0.92 * rate, trace);
    }

    [Fact]
    public void OnA1GbitPathTheFirstReadingAsksForThreeAndAFullerOneForFour()
    {
        // the bench's path: the first operation, on the 4 stripes 1 Gbit/s asks for, read 726 Mbit/s (its slow start)
        var rates = new MeasuredRates();
        var elapsed = TimeSpan.FromSeconds(3);
        Assert.Equal(4, StripeCount.For(null, LongPath, rates.BitsPerSecondTo(1)));
        rates.Observe(1, HopGoodput.Of(BytesAt(726e6, elapsed), elapsed, LongPath, 4)!.Value);
        Assert.Equal(3, StripeCount.For(null, LongPath, rates.BitsPerSecondTo(1)));

        // 3 stripes carrying 880 Mbit/s ran at 0.87 of their windows: one more, and at 4 the reading settles
        Assert.NotNull(rates.Observe(1, HopGoodput.Of(BytesAt(880e6, elapsed), elapsed, LongPath, 3)!.Value));
        Assert.Equal(4, StripeCount.For(null, LongPath, rates.BitsPerSecondTo(1)));
        Assert.Null(rates.Observe(1, HopGoodput.Of(BytesAt(940e6, elapsed), elapsed, LongPath, 4)!.Value));
        Assert.Equal(4, StripeCount.For(null, LongPath, rates.BitsPerSecondTo(1)));
    }

    [Fact]
    public void APacedOperationThatCarriedItsPaceMayHaveBeenHeldByIt()
    {
        var elapsed = TimeSpan.FromSeconds(3);
        // 5 stripes paced over 700 Mbit/s: carrying 700 Mbit/s or more, the pace may have been the limit; at 600 the
        // path was
        const long pace = 700_000_000;
        var held = HopGoodput.Of(BytesAt(740e6, elapsed), elapsed, LongPath, 5, pace)!.Value;
        Assert.True(held.PaceBound);
        Assert.False(held.WindowBound);
        Assert.True(held.StripesMayBeTheLimit);
        Assert.True(HopGoodput.Of(BytesAt(700.1e6, elapsed), elapsed, LongPath, 5, pace)!.Value.PaceBound);
        Assert.False(HopGoodput.Of(BytesAt(600e6, elapsed), elapsed, LongPath, 5, pace)!.Value.PaceBound);
        Assert.False(HopGoodput.Of(BytesAt(740e6, elapsed), elapsed, LongPath, 5)!.Value.PaceBound);
    }

    /// <summary>
    /// A paced lane on a 1 Gbit/s path whose operations carry 0.97 of their pace until the path holds them at 0.95 of
    /// its rate, each reading fed back as <see cref="LaneRestriping"/> does: from a first reading of
    /// <paramref name="firstShare"/> of the path (the cap's unpaced stripes read 0.72–0.82 of the emulated 1 Gbit/s,
    /// 100 ms path under CUBIC) the pace climbs to the path within six operations and settles there, not below the
    /// path and at most the margin over it.
    /// </summary>
    [Theory]
    [InlineData(0.7)]
    [InlineData(0.8)]
    [InlineData(0.9)]
    [InlineData(0.95)]
    public void APacedLanesPaceClimbsToThePathAndSettles(double firstShare)
    {
        const double path = 1e9;
        var elapsed = TimeSpan.FromSeconds(2.3);
        var rates = new MeasuredRates();
        rates.Observe(1, new HopGoodput((long)(firstShare * path), WindowBound: false));
        var carried = new List<double>();
        var paces = new List<double>();
        for (var operation = 0; operation < 12; operation++)
        {
            var stripes = StripeCount.For(null, LongPath, rates.BitsPerSecondTo(1));
            var pacedFrom = rates.BitsPerSecondTo(1)!.Value;
            var pace = StripePace.BytesPerSecond(pacedFrom, 1, stripes)! * 8.0 * stripes;
            paces.Add(pace.Value);
            var goodput = Math.Min(0.95 * path, 0.97 * pace.Value);
            carried.Add(goodput);
            var reading = HopGoodput.Of(BytesAt(goodput, elapsed), elapsed, LongPath, stripes, pacedFrom)!.Value;
            rates.Observe(1, reading);
        }

        var trace = string.Join(", ", carried.Select(c => $"{c / 1e6:F0}"));
        Assert.True(carried.Skip(6).All(c => c >= 0.95 * path - 1e6), trace);
        Assert.Equal(paces[^1], paces[^4]); // settled
        Assert.InRange(paces[^1], path, StripePace.Margin * path);
    }
}
