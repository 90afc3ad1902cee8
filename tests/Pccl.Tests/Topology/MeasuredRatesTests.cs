using Pccl.Operations.Collectives;
using Pccl.Operations.Topology;
using Pccl.Transport;

namespace Pccl.Tests.Topology;

/// <summary>
/// The rates a peer measured to others, which its lanes are striped for: the newest vote and the operations' own
/// reading are kept apart, the larger counts, and a failed vote forgets the pair.
/// </summary>
public class MeasuredRatesTests
{
    private const long FourMiB = Support.LongPath.WindowBytes;
    private static readonly TcpPath LongPath = Support.LongPath.Path;

    [Fact]
    public void TheNewestVoteCountsAndAFailureForgetsThePair()
    {
        var rates = new MeasuredRates();
        Assert.Null(rates.BitsPerSecondTo(7));

        rates.Record(7, 125_000_000);
        rates.Record(9, 1_000);
        Assert.Equal(1_000_000_000, rates.BitsPerSecondTo(7));
        Assert.Equal(8_000, rates.BitsPerSecondTo(9));

        rates.Record(7, 25_000_000);
        Assert.Equal(200_000_000, rates.BitsPerSecondTo(7));

        rates.Record(7, 0);
        Assert.Null(rates.BitsPerSecondTo(7));
        Assert.Equal(8_000, rates.BitsPerSecondTo(9));
    }

    [Fact]
    public void AVoteThatReadsBelowTheOperationsLeavesTheLaneTheirStripes()
    {
        // the operations measured 930 Mbit/s over 1 Gbit/s × 100 ms: 4 stripes; a vote reading 600 would ask for 3
        var rates = new MeasuredRates();
        rates.Observe(7, new HopGoodput(930_000_000, WindowBound: false));
        var passive = StripeCount.For(null, LongPath, rates.BitsPerSecondTo(7));
        Assert.Equal(4, passive);
        Assert.Equal(3, StripeCount.For(null, LongPath, 600_000_000));

        rates.Record(7, 600_000_000 / 8.0);
        Assert.Equal(930_000_000, rates.BitsPerSecondTo(7));
        Assert.Equal(passive, StripeCount.For(null, LongPath, rates.BitsPerSecondTo(7)));
    }

    [Fact]
    public void AVoteThatReadsMoreCountsUntilANewerOneReadsLess()
    {
        var rates = new MeasuredRates();
        rates.Observe(7, new HopGoodput(700_000_000, WindowBound: false));
        rates.Record(7, 950_000_000 / 8.0);
        Assert.Equal(950_000_000, rates.BitsPerSecondTo(7));

        // the newer vote replaces the older one, and the operations' reading is the floor
        rates.Record(7, 500_000_000 / 8.0);
        Assert.Equal(700_000_000, rates.BitsPerSecondTo(7));
    }

    [Fact]
    public void AfterAVoteTheFirstOperationsReadingCountsWhereItIsHigher()
    {
        // a vote before any operation read 500 Mbit/s; the lane's first long operation carried 930 on the stripes that
        // asked for, below a full window each, and still raises the rate: it is what the path carried
        var rates = new MeasuredRates();
        rates.Record(7, 500_000_000 / 8.0);
        Assert.NotNull(rates.Observe(7, new HopGoodput(930_000_000, WindowBound: false)));
        Assert.Equal(930_000_000, rates.BitsPerSecondTo(7));

        // later operations raise it only when their stripes were the limit, and a slower one alone does not lower it
        Assert.Null(rates.Observe(7, new HopGoodput(990_000_000, WindowBound: false)));
        Assert.Null(rates.Observe(7, new HopGoodput(400_000_000, WindowBound: true)));
        Assert.Equal(930_000_000, rates.BitsPerSecondTo(7));
    }

    [Fact]
    public void AFailedVoteForgetsWhatTheOperationsMeasuredToo()
    {
        var rates = new MeasuredRates();
        rates.Observe(7, new HopGoodput(930_000_000, WindowBound: false));
        rates.Record(7, 0);
        Assert.Null(rates.BitsPerSecondTo(7));
        Assert.NotNull(rates.Observe(7, new HopGoodput(300_000_000, WindowBound: false)));
        Assert.Equal(300_000_000, rates.BitsPerSecondTo(7));
    }

    [Fact]
    public void APathThatGotSlowerLowersTheReadingAfterThreeSlowOperationsInARow()
    {
        var rates = new MeasuredRates();
        rates.Observe(1, new HopGoodput(940_000_000, WindowBound: false));
        Assert.Equal(4, StripeCount.For(null, LongPath, rates.BitsPerSecondTo(1)));

        // another tenant takes half the path: the first two slow operations change nothing, the third lowers the
        // reading to the most any of the three carried
        Assert.Null(rates.Observe(1, new HopGoodput(450_000_000, WindowBound: false)));
        Assert.Null(rates.Observe(1, new HopGoodput(480_000_000, WindowBound: false)));
        Assert.Equal(940_000_000, rates.BitsPerSecondTo(1));
        var lowered = rates.Observe(1, new HopGoodput(470_000_000, WindowBound: false));
        Assert.Equal(new MeasuredRates.PassiveChange(940_000_000, 480_000_000), lowered);
        Assert.True(lowered!.Value.Lowered);
        Assert.Equal(480_000_000, rates.BitsPerSecondTo(1));
        Assert.Equal(2, StripeCount.For(null, LongPath, rates.BitsPerSecondTo(1)));

        // the tenant leaves: stripes held by their pace raise it again
        var raised = rates.Observe(1, new HopGoodput(520_000_000, WindowBound: false, PaceBound: true));
        Assert.Equal(new MeasuredRates.PassiveChange(480_000_000, 520_000_000), raised);
        Assert.False(raised!.Value.Lowered);
        Assert.Equal(520_000_000, rates.BitsPerSecondTo(1));
    }

    [Fact]
    public void SlowOperationsThatAreNotAllInARowOrNotFarBelowLeaveTheReading()
    {
        var rates = new MeasuredRates();
        rates.Observe(1, new HopGoodput(950_000_000, WindowBound: false));

        // BBR's spread on one path: calls at 0.74-0.95 of the path never lower it
        foreach (var share in new[] { 0.74, 0.8, 0.76, 0.85, 0.74, 0.77, 0.95, 0.74, 0.75, 0.74 })
        {
            Assert.Null(rates.Observe(1, new HopGoodput((long)(share * 1e9), WindowBound: false)));
        }

        // two slow ones, then one near the reading: the run starts again
        Assert.Null(rates.Observe(1, new HopGoodput(400_000_000, WindowBound: false)));
        Assert.Null(rates.Observe(1, new HopGoodput(400_000_000, WindowBound: false)));
        Assert.Null(rates.Observe(1, new HopGoodput(900_000_000, WindowBound: false)));
        Assert.Null(rates.Observe(1, new HopGoodput(400_000_000, WindowBound: false)));
        Assert.Null(rates.Observe(1, new HopGoodput(400_000_000, WindowBound: false)));
        Assert.Equal(950_000_000, rates.BitsPerSecondTo(1));
    }
}
