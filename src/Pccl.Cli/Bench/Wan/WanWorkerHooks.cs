using Pccl.Cli.Wan;

namespace Pccl.Cli.Bench.Wan;

/// <summary>What a <c>bench wan</c> worker does beyond the all-reduce bench's loop: its run's choices once the world is complete, and reading the emulated paths' byte counters around each timed operation.</summary>
internal sealed class WanWorkerHooks(WanRunOptions run, PathCounters counters) : IDisposable
{
    public WanRunOptions Run { get; } = run;

    /// <summary>
    /// Runs on every peer once every peer is in the world, before the first timed operation: with
    /// <see cref="WanRunOptions.OptimizeTopology"/>, the topology optimisation vote that measures the paths and reorders the ring.
    /// </summary>
    public Task WorldCompleteAsync(Communicator communicator, CancellationToken ct) =>
        Run.OptimizeTopology ? communicator.OptimizeTopologyAsync(ct) : Task.CompletedTask;

    public long[] PathSnapshot() => counters.Snapshot();

    public long BusiestPathBytesSince(long[] before) => PathCounters.Busiest(before, counters.Snapshot());

    public void Dispose() => counters.Dispose();
}
