using Pccl.Cli.Recovery;

namespace Pccl.Tests.Recovery;

/// <summary>
/// <see cref="KillTimeline"/>: a survivor's failure-path milestones laid out as consecutive phases from the kill, which
/// add up to the kill → error total whatever milestones are missing or come beside the path.
/// </summary>
public class KillTimelineTests
{
    private const long Kill = 1_000_000_000;

    private static long At(double ms) => Kill + (long)(ms * 1e6);

    private static RecoveryEvent Error(double thrownMs, FailureMarks marks) =>
        new(RecoveryEvent.Error, 7, At(thrownMs), 2, Code: "peer_lost", Marks: marks);

    [Fact]
    public void ALinkSeenFirstGivesEveryPhaseItsOwnSpanAndTheyAddUpToTheTotal()
    {
        var marks = new FailureMarks
        {
            LinkBrokenNs = At(20), AbortNs = At(23.5), UnwoundNs = At(21), RetiredNs = At(21.5), ToldNs = At(21.6), RestoredNs = At(24),
            RestoredBytes = 3 << 20,
        };

        var t = KillTimeline.Of(Kill, Error(24.25, marks), new VictimMemory(190, 64), [25, 18.5, 9.25]);

        Assert.Equal("link", t.DetectedBy);
        Assert.Equal([20, 1, 0.5, 0.1, 2.4, 0.25], new[] { t.DetectMs, t.UnwindMs, t.RetireMs, t.ReportMs, t.RestoreMs, t.ThrowMs });
        Assert.Equal(24.25, t.TotalMs);
        Assert.Equal(t.TotalMs, t.DetectMs + t.UnwindMs + t.RetireMs + t.ReportMs + t.RestoreMs + t.ThrowMs, 1e-9);
        Assert.Equal(18.5, t.TeardownFloorMs); // the helpers' median
        Assert.Equal([25, 18.5, 9.25], t.TeardownFloorSamplesMs);
        Assert.Equal(5.75, t.OverFloorMs);
        Assert.Equal(3.0, t.RestoredMb);
        Assert.Equal(190, t.VictimRssMb);
        Assert.Equal(64, t.VictimHugePageMb);
        Assert.Equal(20, t.LinkBrokenMs);
        Assert.Equal(23.5, t.AbortMs);
    }

    [Fact]
    public void APeerToldByTheMastersAbortIsDetectedByTheAbortAndMissingMilestonesAddNothing()
    {
        var marks = new FailureMarks
        {
            AbortNs = At(30), UnwoundNs = At(31), RestoredNs = At(33), UnwindJitMs = 0.75, UnwindJitMethods = 12, UnwindGcPauseMs = 0.25, UnwindPoolThreadsAdded = 1,
        };

        var t = KillTimeline.Of(Kill, Error(34, marks), new VictimMemory(190, 64), [18.5]);

        Assert.Equal("abort", t.DetectedBy);
        // what the unwinding spent on the JIT, the GC and the pool goes with it
        Assert.Equal(0.75, t.UnwindJitMs);
        Assert.Equal(12, t.UnwindJitMethods);
        Assert.Equal(0.25, t.UnwindGcPauseMs);
        Assert.Equal(1, t.UnwindPoolThreadsAdded);
        Assert.Null(t.LinkBrokenMs);
        Assert.Equal([30, 1, 0, 0, 2, 1], new[] { t.DetectMs, t.UnwindMs, t.RetireMs, t.ReportMs, t.RestoreMs, t.ThrowMs });
        Assert.Equal(34, t.TotalMs);
        Assert.Null(t.RestoredMb);
    }

    [Fact]
    public void AnAttemptWithoutMarksPutsTheWholeSpanInItsLastPhase()
    {
        var t = KillTimeline.Of(Kill, Error(12, new FailureMarks()) with { Marks = null }, new VictimMemory(100, 0), [10]);

        Assert.Equal("none", t.DetectedBy);
        Assert.Equal(12, t.ThrowMs);
        Assert.Equal(12, t.TotalMs);
        Assert.Equal(0, t.DetectMs + t.UnwindMs + t.RetireMs + t.ReportMs + t.RestoreMs);
    }
}
