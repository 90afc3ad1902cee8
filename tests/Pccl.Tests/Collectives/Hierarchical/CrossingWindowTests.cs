using Pccl.Operations.Collectives.Hierarchical;
using Pccl.Transport;

namespace Pccl.Tests.Collectives.Hierarchical;

/// <summary>Each crossing stream keeps its share of what the measured path holds in flight, and no more.</summary>
public class CrossingWindowTests
{
    private static readonly TcpPath Wan = new(TimeSpan.FromMilliseconds(25), Window: 2 << 20, Loopback: false, MinRoundTrip: TimeSpan.FromMilliseconds(20));

    [Theory]
    [InlineData(1, 750_000)]  // 200 Mbit/s × 20 ms = 500 kB on the path; 1.5 × that
    [InlineData(2, 375_000)]
    [InlineData(3, 250_000)]
    public void EachStreamTakesItsShareOfThePath(int streams, long bytes) =>
        Assert.Equal(bytes, CrossingWindow.For(200_000_000, Wan, streams));

    [Fact]
    public void TheLeastRoundTripCountsNotTheQueuedOne() =>
        Assert.Equal(375_000, CrossingWindow.For(200_000_000, Wan with { RoundTrip = TimeSpan.FromMilliseconds(80) }, 2));

    [Fact]
    public void ManyStreamsKeepAFewSegmentsEach() =>
        Assert.Equal(SendWindow.MinBytes, CrossingWindow.For(200_000_000, Wan, 64));

    [Fact]
    public void WithoutAMeasuredRateTheWindowStays() => Assert.Null(CrossingWindow.For(null, Wan, 2));

    [Fact]
    public void OnThisHostTheWindowStays() => Assert.Null(CrossingWindow.For(200_000_000, Wan with { Loopback = true }, 2));

    [Fact]
    public void AShareAboveTheStreamsWindowLeavesItAlone() => Assert.Null(CrossingWindow.For(10_000_000_000, Wan, 2));
}
