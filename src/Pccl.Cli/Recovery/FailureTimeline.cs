using Pccl.Cli.Workload;
using Pccl.Operations.Faults;

namespace Pccl.Cli.Recovery;

/// <summary>
/// The recovery worker's side of the library's fault seam: stamps each milestone of a failed attempt's failure path on
/// the host's monotonic clock, so the bench can lay every survivor's path beside the moment of the kill.
/// </summary>
internal sealed class FailureTimeline : IFaultInjector
{
    private const int Milestones = (int)FailureMilestone.BufferRestored + 1;

    private readonly Lock _gate = new();
    private readonly Dictionary<ulong, long[]> _bySequence = [];

    public void FailureMilestoneReached(ulong sequence, FailureMilestone milestone)
    {
        var now = MonotonicClock.NowNs();
        if (sequence == 0)
        {
            return; // an operation the master never started: no path to time
        }

        lock (_gate)
        {
            if (!_bySequence.TryGetValue(sequence, out var marks))
            {
                marks = new long[Milestones];
                _bySequence[sequence] = marks;
            }

            // the first time wins: the abort is read once, but a link may break on both schedule halves
            if (marks[(int)milestone] == 0)
            {
                marks[(int)milestone] = now;
            }
        }
    }

    /// <summary>The marks of the latest operation whose failure reached its driver, and forgets every operation up to it.</summary>
    public FailureMarks? TakeLatest()
    {
        lock (_gate)
        {
            var failed = _bySequence.Where(kv => kv.Value[(int)FailureMilestone.Unwound] != 0).Select(kv => kv.Key).DefaultIfEmpty().Max();
            if (failed == 0)
            {
                return null;
            }

            var marks = _bySequence[failed];
            foreach (var sequence in _bySequence.Keys.Where(s => s <= failed).ToList())
            {
                _bySequence.Remove(sequence);
            }

            long? At(FailureMilestone m) => marks[(int)m] == 0 ? null : marks[(int)m];
            return new FailureMarks
            {
                LinkBrokenNs = At(FailureMilestone.LinkBroken),
                AbortNs = At(FailureMilestone.AbortReceived),
                UnwoundNs = At(FailureMilestone.Unwound),
                RetiredNs = At(FailureMilestone.LanesRetired),
                ToldNs = At(FailureMilestone.MasterTold),
                RestoredNs = At(FailureMilestone.BufferRestored),
            };
        }
    }
}
