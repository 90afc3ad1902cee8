using Pccl.Telemetry;

namespace Pccl.Tests.Telemetry;

public sealed class RecoveryRateWatchTests
{
    private sealed class ManualClock : TimeProvider
    {
        public DateTimeOffset Now { get; set; } = new(2025, 1, 1, 0, 0, 0, TimeSpan.Zero);

        public override DateTimeOffset GetUtcNow() => Now;
    }

    [Fact]
    public void WarnsWhenTheThresholdIsReachedWithinTheWindow()
    {
        var clock = new ManualClock();
        var watch = new RecoveryRateWatch(3, TimeSpan.FromMinutes(5), clock);

        Assert.Null(watch.Record());
        clock.Now += TimeSpan.FromMinutes(1);
        Assert.Null(watch.Record());
        clock.Now += TimeSpan.FromMinutes(1);
        Assert.Equal(3, watch.Record());
    }

    [Fact]
    public void RecoveriesOlderThanTheWindowDoNotCount()
    {
        var clock = new ManualClock();
        var watch = new RecoveryRateWatch(3, TimeSpan.FromMinutes(5), clock);

        Assert.Null(watch.Record());
        Assert.Null(watch.Record());
        clock.Now += TimeSpan.FromMinutes(6);
        Assert.Null(watch.Record());
        Assert.Null(watch.Record());
        Assert.Equal(3, watch.Record());
    }

    [Fact]
    public void WarnsAtMostOncePerWindow()
    {
        var clock = new ManualClock();
        var watch = new RecoveryRateWatch(2, TimeSpan.FromMinutes(5), clock);

        Assert.Null(watch.Record());
        Assert.Equal(2, watch.Record());
        Assert.Null(watch.Record());
        clock.Now += TimeSpan.FromMinutes(4);
        Assert.Null(watch.Record());
        clock.Now += TimeSpan.FromMinutes(2);
        Assert.Equal(2, watch.Record()); // the window moved on: the last two recoveries are 2 minutes apart
    }

    [Fact]
    public void DefaultsMatchTheFrequentRecoveriesAlert()
    {
        var watch = new RecoveryRateWatch();
        Assert.Equal(3, watch.Threshold);
        Assert.Equal(TimeSpan.FromMinutes(5), watch.Window);
    }
}
