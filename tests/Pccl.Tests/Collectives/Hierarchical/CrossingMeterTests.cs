using Pccl.Operations.Collectives.Hierarchical;
using Pccl.Transport;

namespace Pccl.Tests.Collectives.Hierarchical;

/// <summary>A peer reports the rate its crossing rings carried per level, over the time their streams were busy.</summary>
public class CrossingMeterTests
{
    private static readonly TcpPath Path = new(TimeSpan.FromMilliseconds(20), 2 << 20, Loopback: false, MinRoundTrip: TimeSpan.FromMilliseconds(20));

    [Fact]
    public void ALevelsRateIsItsBytesOverItsStreamsBusyTimeNotTheWaitsBetween()
    {
        var meter = new CrossingMeter();
        // two rings of 8 MiB, each busy half a second (the wait for the partner before each is not busy time)
        meter.Add(0, [new TcpProgress(0, TimeSpan.Zero)], [new TcpProgress(8 << 20, TimeSpan.FromSeconds(0.5))], Path);
        meter.Add(0, [new TcpProgress(9 << 20, TimeSpan.FromSeconds(0.6))], [new TcpProgress(17 << 20, TimeSpan.FromSeconds(1.1))], Path);

        var rate = Assert.Single(meter.Rates());
        Assert.Equal(0U, rate.Level);
        Assert.Equal((ulong)(16L << 20) * 8, rate.BitsPerSecond);
    }

    [Fact]
    public void SeveralStripesCountTheirBytesTogetherOverTheBusiestStripesTime()
    {
        var meter = new CrossingMeter();
        meter.Add(
            1,
            [new TcpProgress(0, TimeSpan.Zero), new TcpProgress(0, TimeSpan.Zero)],
            [new TcpProgress(8 << 20, TimeSpan.FromSeconds(0.4)), new TcpProgress(8 << 20, TimeSpan.FromSeconds(0.5))],
            Path);

        Assert.Equal((ulong)(16L << 20) * 8 * 2, Assert.Single(meter.Rates()).BitsPerSecond);
    }

    [Fact]
    public void ASmallCrossingOrOneTheKernelCouldNotTellMeasuresNothing()
    {
        var meter = new CrossingMeter();
        meter.Add(0, [new TcpProgress(0, TimeSpan.Zero)], [new TcpProgress(4096, TimeSpan.FromMilliseconds(30))], Path);
        meter.Add(1, [null], [new TcpProgress(64 << 20, TimeSpan.FromSeconds(1))], Path);

        Assert.Empty(meter.Rates());
    }
}
