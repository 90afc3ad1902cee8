using Pccl.Transport.Heartbeats;

namespace Pccl.Tests.Heartbeats;

public class HeartbeatSequenceWindowTests
{
    [Theory]
    [InlineData(100, 500, 12UL)]
    [InlineData(100, 550, 14UL)]
    [InlineData(100, 5000, 102UL)]
    [InlineData(1000, 500, 4UL)]
    public void TheBoundIsTwiceTheIntervalsInATimeoutPlusTwo(int intervalMs, int timeoutMs, ulong maxJump) =>
        Assert.Equal(maxJump, HeartbeatSequenceWindow.For(TimeSpan.FromMilliseconds(intervalMs), TimeSpan.FromMilliseconds(timeoutMs)).MaxJump);

    [Theory]
    [InlineData(0UL, 0UL, "Stale")]
    [InlineData(5UL, 5UL, "Stale")]
    [InlineData(5UL, 4UL, "Stale")]
    [InlineData(0UL, 1UL, "None")]
    [InlineData(5UL, 6UL, "None")]
    [InlineData(5UL, 17UL, "None")]
    [InlineData(5UL, 18UL, "TooFarAhead")]
    [InlineData(0UL, ulong.MaxValue, "TooFarAhead")]
    [InlineData(ulong.MaxValue - 1, ulong.MaxValue, "None")]
    [InlineData(ulong.MaxValue, ulong.MaxValue, "Stale")]
    public void TakesOnlyNumbersAboveTheLastAndWithinTheBound(ulong last, ulong sequence, string expected) =>
        Assert.Equal(Enum.Parse<HeartbeatDrop>(expected), new HeartbeatSequenceWindow(12).Check(last, sequence));

    [Fact]
    public void RefusesANonPositiveIntervalOrTimeout()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => HeartbeatSequenceWindow.For(TimeSpan.Zero, TimeSpan.FromSeconds(1)));
        Assert.Throws<ArgumentOutOfRangeException>(() => HeartbeatSequenceWindow.For(TimeSpan.FromSeconds(1), TimeSpan.Zero));
    }
}
