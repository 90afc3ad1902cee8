using System.Collections.Concurrent;
using System.Diagnostics;
using Pccl.Operations.Faults;
using Pccl.Tests.Support;

namespace Pccl.Tests.FaultTolerance;

/// <summary>
/// The fault seam's failure-path milestones (<see cref="IFaultInjector.FailureMilestoneReached"/>): a peer whose ring
/// breaks in the middle of an operation passes them in the order of the failure path, for the failed operation only,
/// and has its buffer back by the time it reports the buffer restored.
/// </summary>
public class FailureMilestoneTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);
    private const int Chunk = 16 * 1024;

    [Fact]
    public async Task ANeighbourOfABrokenRingPassesEveryMilestoneOfTheFailurePathInOrder()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var cluster = await TestCluster.StartAsync(3, o => o with { RingChunkSize = Chunk }, ct);
        const int elements = 3 * 200_000;
        var inputs = Enumerable.Range(0, 3).Select(p => Enumerable.Range(0, elements).Select(i => (float)((p + i) % 13)).ToArray()).ToArray();
        var buffers = inputs.Select(b => b.ToArray()).ToArray();
        var fired = 0;
        cluster.Peers[1].FaultInjector = new FaultHooks
        {
            OnBytesMoved = site => site.BytesMoved * 2 >= site.BytesToMove && Interlocked.Exchange(ref fired, 1) == 0
                ? site.BreakRingLinksAsync()
                : ValueTask.CompletedTask,
        };
        var recorders = new[] { new MilestoneRecorder(buffers[0], inputs[0]), new MilestoneRecorder(buffers[2], inputs[2]) };
        cluster.Peers[0].FaultInjector = recorders[0];
        cluster.Peers[2].FaultInjector = recorders[1];

        var infos = await cluster.OnAll((p, i) => p.AllReduceWithRetryAsync(buffers[i].AsMemory(), ct: ct)).WaitAsync(Patience, ct);

        Assert.All(infos, i => Assert.Equal(1, i.Retries));
        foreach (var recorder in recorders)
        {
            var failed = Assert.Single(recorder.Marks.Select(m => m.Sequence).Distinct()); // the failed operation's, none of the retry's
            Assert.NotEqual(0UL, failed);
            var at = recorder.Marks.GroupBy(m => m.Milestone).ToDictionary(g => g.Key, g => g.Min(m => m.Timestamp));
            long First(params FailureMilestone[] any) => any.Where(at.ContainsKey).Select(m => at[m]).DefaultIfEmpty(long.MaxValue).Min();

            // the path's own steps, each once and in order; the first sign (its broken link or the master's abort) before them
            var path = new[] { FailureMilestone.Unwound, FailureMilestone.LanesRetired, FailureMilestone.MasterTold, FailureMilestone.BufferRestored };
            Assert.All(path, m => Assert.Equal(1, recorder.Marks.Count(x => x.Milestone == m)));
            Assert.Equal(path, path.OrderBy(m => at[m]));
            Assert.True(First(FailureMilestone.LinkBroken, FailureMilestone.AbortReceived) <= at[FailureMilestone.Unwound],
                "the driver unwound before this peer saw a broken link or the master's abort");
            Assert.True(recorder.RestoredWhenMarked, "the buffer did not hold the input when the path said it was restored");
            // closing the retired links is off the path, on the thread pool, but it happens
            var deadline = DateTime.UtcNow + Patience;
            while (!recorder.Marks.Any(m => m.Milestone == FailureMilestone.LinksClosed) && DateTime.UtcNow < deadline)
            {
                await Task.Delay(10, ct);
            }

            var closed = Assert.Single(recorder.Marks, m => m.Milestone == FailureMilestone.LinksClosed);
            Assert.True(closed.Timestamp >= at[FailureMilestone.LanesRetired], "the links were closed before their lanes were retired");
        }

        var expected = Enumerable.Range(0, elements).Select(i => (float)Enumerable.Range(0, 3).Sum(p => (p + i) % 13)).ToArray();
        Assert.All(buffers, b => Assert.Equal(expected, b));
    }

    /// <summary>Every milestone with its timestamp; checks the buffer against the input when the restore is reported.</summary>
    private sealed class MilestoneRecorder(float[] buffer, float[] input) : IFaultInjector
    {
        public ConcurrentQueue<(ulong Sequence, FailureMilestone Milestone, long Timestamp)> Marks { get; } = new();

        public bool RestoredWhenMarked { get; private set; }

        public void FailureMilestoneReached(ulong sequence, FailureMilestone milestone)
        {
            Marks.Enqueue((sequence, milestone, Stopwatch.GetTimestamp()));
            if (milestone == FailureMilestone.BufferRestored)
            {
                RestoredWhenMarked = buffer.AsSpan().SequenceEqual(input);
            }
        }
    }
}
