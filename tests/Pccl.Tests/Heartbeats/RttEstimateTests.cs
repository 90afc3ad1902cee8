using Pccl.Transport.Heartbeats;

namespace Pccl.Tests.Heartbeats;

public class RttEstimateTests
{
    [Fact]
    public void EmptyUntilTheFirstSample()
    {
        var rtt = new RttEstimate();
        Assert.Null(rtt.Last);
        Assert.Null(rtt.Smoothed);
    }

    [Fact]
    public void SmoothsWithGainOneEighthAndKeepsTheLast()
    {
        var rtt = new RttEstimate();
        rtt.Add(TimeSpan.FromMilliseconds(8));
        Assert.Equal(TimeSpan.FromMilliseconds(8), rtt.Smoothed);
        rtt.Add(TimeSpan.FromMilliseconds(16));
        Assert.Equal(TimeSpan.FromMilliseconds(16), rtt.Last);
        Assert.Equal(TimeSpan.FromMilliseconds(9), rtt.Smoothed);
    }

    [Fact]
    public void NegativeSamplesCountAsZero()
    {
        var rtt = new RttEstimate();
        rtt.Add(TimeSpan.FromMilliseconds(-3));
        Assert.Equal(TimeSpan.Zero, rtt.Last);
    }
}
