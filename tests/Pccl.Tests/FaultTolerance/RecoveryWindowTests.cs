using System.Diagnostics;
using Pccl.Operations.Collectives;

namespace Pccl.Tests.FaultTolerance;

public class RecoveryWindowTests
{
    private static long Seconds(double s) => (long)(s * Stopwatch.Frequency);

    [Fact]
    public void WarnsOnceWhenTheThresholdIsReachedWithinTheWindow()
    {
        var window = new RecoveryWindow(TimeSpan.FromSeconds(60), threshold: 3);
        Assert.Null(window.Record(Seconds(0)));
        Assert.Null(window.Record(Seconds(10)));
        Assert.Equal(3, window.Record(Seconds(20)));
        Assert.Null(window.Record(Seconds(30))); // already warned in this window
        Assert.Null(window.Record(Seconds(40)));
        Assert.Null(window.Record(Seconds(50)));
        Assert.Equal(4, window.Record(Seconds(85))); // a window after the warning: 30, 40, 50 and 85 fall in the last 60 s
    }

    [Fact]
    public void RecoveriesSpreadWiderThanTheWindowNeverWarn()
    {
        var window = new RecoveryWindow(TimeSpan.FromSeconds(60), threshold: 3);
        for (var i = 0; i < 10; i++)
        {
            Assert.Null(window.Record(Seconds(i * 31)));
        }
    }
}
