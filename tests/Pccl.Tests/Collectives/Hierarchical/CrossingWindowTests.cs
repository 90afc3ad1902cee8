using Pccl.Operations.Collectives.Hierarchical;
using Pccl.Transport;

namespace Pccl.Tests.Collectives.Hierarchical;

/// <summary>Each crossing stream keeps its share of what the measured path holds in flight, and no more.</summary>
public class CrossingWindowTests
{
    private static readonly TcpPath Wan = new(TimeSpan.FromMilliseconds(25), Window: 2 << 20, Loopback: false, MinRoundTrip: TimeSpan.FromMilliseconds(20));

    [Theory]
    [InlineData(1, 1_000_000)]  // 200 Mbit/s × 20 ms = 500 kB on the path; twice that
    [InlineData(2, 500_000)]
    [InlineData(3, 333_333)]
    public void EachStreamTakesItsShareOfThePath(int streams, long bytes) =>
        Assert.Equal(bytes, CrossingWindow.For(200_000_000, Wan, streams));

    [Fact]
    public void TheLeastRoundTripCountsNotTheQueuedOne() =>
        Assert.Equal(500_000, CrossingWindow.For(200_000_000, Wan with { RoundTrip = TimeSpan.FromMilliseconds(80) }, 2));

    [Fact]
    public void ManyStreamsKeepAFewSegmentsEach() =>
        Assert.Equal(SendWindow.MinBytes, CrossingWindow.For(200_000_000, Wan, 64));

    [Fact]
    public void WithoutAMeasuredRateTheWindowStays() => Assert.Null(CrossingWindow.For(null, Wan, 2));

    [Fact]
    public void OnThisHostTheWindowStays() => Assert.Null(CrossingWindow.For(200_000_000, Wan with { Loopback = true }, 2));

    [Fact]
    public void AShareAboveTheStreamsWindowLeavesItAlone() => Assert.Null(CrossingWindow.For(10_000_000_000, Wan, 2));

    [Fact]
    public void ThePathsRateIsTheMostMeasuredToAnyPeerBeyondIt()
    {
        var sides = new Dictionary<ulong, string> { [1] = "dc0", [2] = "dc1", [3] = "dc0", [4] = "dc1", [5] = "dc2" };
        var measured = new Dictionary<ulong, long> { [1] = 12_000_000_000, [2] = 188_000_000, [4] = 21_000_000 };
        long? To(ulong peer) => measured.TryGetValue(peer, out var rate) ? rate : null;

        Assert.Equal(188_000_000, CrossingWindow.PathBitsPerSecond(To, 4, sides)); // a low reading to the partner itself
        Assert.Null(CrossingWindow.PathBitsPerSecond(To, 5, sides)); // nothing measured over the path to dc2
    }
}
