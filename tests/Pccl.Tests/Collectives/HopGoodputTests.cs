using Pccl.Operations.Collectives;
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
        // 8 stripes may carry 8 × 0.8 × 4 MiB per 100 ms = 2.1 Gbit/s; 656 Mbit/s is the path's doing
        var pathBound = HopGoodput.Of(BytesAt(656e6, elapsed), elapsed, LongPath, 8);
        Assert.NotNull(pathBound);
        Assert.InRange(pathBound.Value.BitsPerSecond, 655_000_000, 657_000_000);
        Assert.False(pathBound.Value.WindowBound);

        // 3 full windows per 100 ms are 1007 Mbit/s: at 950 Mbit/s the stripes were the limit, at 825 the path was
        Assert.True(HopGoodput.Of(BytesAt(950e6, elapsed), elapsed, LongPath, 3)!.Value.WindowBound);
        Assert.False(HopGoodput.Of(BytesAt(825e6, elapsed), elapsed, LongPath, 3)!.Value.WindowBound);
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
        Assert.True(rates.Observe(7, new HopGoodput(656_000_000, WindowBound: false)));
        Assert.Equal(656_000_000, rates.BitsPerSecondTo(7));

        // faster, but the path was the limit: a slower or faster operation on a full path does not move the stripes
        Assert.False(rates.Observe(7, new HopGoodput(700_000_000, WindowBound: false)));
        Assert.False(rates.Observe(7, new HopGoodput(300_000_000, WindowBound: true)));
        Assert.Equal(656_000_000, rates.BitsPerSecondTo(7));

        Assert.True(rates.Observe(7, new HopGoodput(950_000_000, WindowBound: true)));
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
    /// A 1 Gbit/s, 100 ms path with a one-round-trip queue: each stripe carries up to 0.95 of its 4 MiB window per round
    /// trip until the stripes keep more in flight than the path and its queue hold, and then tail drops cost a quarter
    /// of the rate; an operation reaches 0.92 of the path at best.
    /// Each operation's goodput feeds the rule, as <see cref="LaneRestriping"/> does after every ring operation.
    /// </summary>
    [Fact]
    public void ALaneOpenedAtTheCapSettlesOnWhatThePathHoldsAndStaysThere()
    {
        const double rate = 1e9;
        var inFlightLimit = 2 * rate / 8 * 0.1; // path + queue
        double Goodput(int stripes) => stripes * FourMiB > inFlightLimit ? 0.75 * rate : Math.Min(0.92 * rate, stripes * FourMiB * 8 / 0.1 * 0.95);

        var rates = new MeasuredRates();
        var elapsed = TimeSpan.FromSeconds(2);
        var stripes = StripeCount.For(null, LongPath, rates.BitsPerSecondTo(1));
        Assert.Equal(8, stripes);
        var counts = new List<int>();
        for (var operation = 0; operation < 10; operation++)
        {
            var goodput = HopGoodput.Of(BytesAt(Goodput(stripes), elapsed), elapsed, LongPath, stripes)!.Value;
            rates.Observe(1, goodput);
            stripes = StripeCount.For(null, LongPath, rates.BitsPerSecondTo(1));
            counts.Add(stripes);
        }

        Assert.All(counts, c => Assert.InRange(c, 3, 4));
        Assert.Equal(4, counts[^1]);
        Assert.Equal(counts[^1], counts[^5]); // settled: no lane reopens any more
        Assert.True(counts.Zip(counts.Skip(1)).All(p => p.Second >= p.First), string.Join(", ", counts)); // never back up to overfilling
    }
}
