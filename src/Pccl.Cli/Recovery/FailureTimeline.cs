using System.Runtime;
using Pccl.Cli.Workload;
using Pccl.Operations.Faults;

namespace Pccl.Cli.Recovery;

/// <summary>
/// The recovery worker's side of the library's fault seam: stamps each milestone of a failed attempt's failure path on
/// the host's monotonic clock, so the bench can lay every survivor's path beside the moment of the kill.
/// </summary>
internal sealed class FailureTimeline : IFaultInjector
{
    private const int Milestones = (int)FailureMilestone.LinksClosed + 1;

    private readonly Lock _gate = new();
    private readonly Dictionary<ulong, Marks> _bySequence = [];
    private int _taken;

    public FailureTimeline()
    {
        // compiled now rather than inside the first failure's path, which it stamps, or between that failure and the retry
        for (var milestone = 0; milestone < Milestones; milestone++)
        {
            FailureMilestoneReached(ulong.MaxValue, (FailureMilestone)milestone);
        }

        InputRestored(ulong.MaxValue, 0);

        Rehearsed = TakeLatest()!;
        _taken = 0;
    }

    /// <summary>The marks of the constructor's rehearsal, every milestone reached: writing them compiles every field's writer.</summary>
    public FailureMarks Rehearsed { get; }

    public void FailureMilestoneReached(ulong sequence, FailureMilestone milestone)
    {
        var now = MonotonicClock.NowNs();
        var jit = JitInfo.GetCompilationTime(currentThread: false).Ticks;
        var methods = JitInfo.GetCompiledMethodCount(currentThread: false);
        var gc = GC.GetTotalPauseDuration().Ticks;
        var poolThreads = ThreadPool.ThreadCount;
        if (sequence == 0)
        {
            return; // an operation the master never started: no path to time
        }

        lock (_gate)
        {
            if (!_bySequence.TryGetValue(sequence, out var marks))
            {
                marks = new Marks();
                _bySequence[sequence] = marks;
            }

            // the first time wins: the abort is read once, but a link may break on both schedule halves
            if (marks.At[(int)milestone] == 0)
            {
                marks.At[(int)milestone] = now;
                marks.JitTicks[(int)milestone] = jit;
                marks.JitMethods[(int)milestone] = methods;
                marks.GcPauseTicks[(int)milestone] = gc;
                marks.PoolThreads[(int)milestone] = poolThreads;
            }
        }
    }

    public void InputRestored(ulong sequence, long bytes)
    {
        lock (_gate)
        {
            if (_bySequence.TryGetValue(sequence, out var marks))
            {
                marks.RestoredBytes = bytes;
            }
        }
    }

    /// <summary>
    /// The marks of the latest operation whose failure reached its driver, and forgets every operation up to it. Called
    /// as the error is caught: the JIT and garbage-collection time from the driver's unwinding to now go with them.
    /// </summary>
    public FailureMarks? TakeLatest()
    {
        var jitNow = JitInfo.GetCompilationTime(currentThread: false).Ticks;
        var gcNow = GC.GetTotalPauseDuration().Ticks;
        lock (_gate)
        {
            var failed = _bySequence.Where(kv => kv.Value.At[(int)FailureMilestone.Unwound] != 0).Select(kv => kv.Key).DefaultIfEmpty().Max();
            if (failed == 0)
            {
                return null;
            }

            var marks = _bySequence[failed];
            foreach (var sequence in _bySequence.Keys.Where(s => s <= failed).ToList())
            {
                _bySequence.Remove(sequence);
            }

            long? At(FailureMilestone m) => marks.At[(int)m] == 0 ? null : marks.At[(int)m];
            double Ms(long ticks) => Math.Round(TimeSpan.FromTicks(ticks).TotalMilliseconds, 2);
            var unwound = (int)FailureMilestone.Unwound;
            var retired = (int)FailureMilestone.LanesRetired;
            var sign = marks.FirstSign();
            return new FailureMarks
            {
                EarlierFailures = _taken++,
                PathJitMs = Ms(jitNow - marks.JitTicks[unwound]),
                PathGcPauseMs = Ms(gcNow - marks.GcPauseTicks[unwound]),
                RetireJitMs = marks.At[retired] == 0 ? null : Ms(marks.JitTicks[retired] - marks.JitTicks[unwound]),
                UnwindJitMs = sign is { } j ? Ms(marks.JitTicks[unwound] - marks.JitTicks[j]) : null,
                UnwindJitMethods = sign is { } m ? marks.JitMethods[unwound] - marks.JitMethods[m] : null,
                UnwindGcPauseMs = sign is { } g ? Ms(marks.GcPauseTicks[unwound] - marks.GcPauseTicks[g]) : null,
                UnwindPoolThreadsAdded = sign is { } t ? marks.PoolThreads[unwound] - marks.PoolThreads[t] : null,
                LinkBrokenNs = At(FailureMilestone.LinkBroken),
                AbortNs = At(FailureMilestone.AbortReceived),
                UnwoundNs = At(FailureMilestone.Unwound),
                RetiredNs = At(FailureMilestone.LanesRetired),
                ToldNs = At(FailureMilestone.MasterTold),
                RestoredNs = At(FailureMilestone.BufferRestored),
                ClosedNs = At(FailureMilestone.LinksClosed),
                RestoredBytes = marks.RestoredBytes,
            };
        }
    }

    /// <summary>
    /// Per milestone: when (host monotonic ns), and the process's JIT time (ticks) and compiled methods, garbage-collection
    /// pause time (ticks) and thread-pool threads then.
    /// </summary>
    private sealed class Marks
    {
        public long[] At { get; } = new long[Milestones];

        public long[] JitTicks { get; } = new long[Milestones];

        public long[] JitMethods { get; } = new long[Milestones];

        public long[] GcPauseTicks { get; } = new long[Milestones];

        public int[] PoolThreads { get; } = new int[Milestones];

        public long? RestoredBytes { get; set; }

        /// <summary>The first sign of the failure (broken link or master's abort) when it came before the unwinding ended; else null.</summary>
        public int? FirstSign()
        {
            var unwound = At[(int)FailureMilestone.Unwound];
            int? first = null;
            foreach (var sign in (ReadOnlySpan<FailureMilestone>)[FailureMilestone.LinkBroken, FailureMilestone.AbortReceived])
            {
                var at = At[(int)sign];
                if (at != 0 && at <= unwound && (first is not { } f || at < At[f]))
                {
                    first = (int)sign;
                }
            }

            return first;
        }
    }
}
