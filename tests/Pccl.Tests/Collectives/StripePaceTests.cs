using Pccl.Operations.Collectives;

namespace Pccl.Tests.Collectives;

/// <summary>Each crossing stream is paced to its share of the path's measured rate, a little over it.</summary>
public class StripePaceTests
{
    [Theory]
    [InlineData(200_000_000L, 4, 1, 6_875_000L)] // 2 x 4: four owners share 25 MB/s
    [InlineData(200_000_000L, 2, 2, 6_875_000L)] // two owners, two stripes each
    [InlineData(200_000_000L, 1, 1, 27_500_000L)] // a peer crossing alone takes the path
    public void AStreamTakesItsShareOfTheMeasuredRateWithTheMargin(long pathBits, int sharers, int stripes, long bytesPerSecond) =>
        Assert.Equal(bytesPerSecond, StripePace.BytesPerSecond(pathBits, sharers, stripes));

    [Theory]
    [InlineData(null)]
    [InlineData(0L)]
    public void WithoutAMeasuredRateNothingIsPaced(long? pathBits) => Assert.Null(StripePace.BytesPerSecond(pathBits, 4, 1));
}
