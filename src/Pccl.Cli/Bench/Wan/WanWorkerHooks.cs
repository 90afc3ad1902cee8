using Pccl.Cli.Wan;

namespace Pccl.Cli.Bench.Wan;

/// <summary>What a <c>bench wan</c> worker does beyond the all-reduce bench's loop: its run's choices once the world is complete, and reading the emulated paths' byte counters around each timed operation.</summary>
internal sealed class WanWorkerHooks(WanRunOptions run, PathCounters counters) : IDisposable
{
    public WanRunOptions Run { get; } = run;

    /// <summary>
    /// Runs once every peer is in the world, before the first timed operation: where <see cref="WanRunOptions.OptimizeTopology"/>
    /// runs the topology optimisation vote in a build that has one (this build refuses the flag in <see cref="WanRunOptions.Validated"/>).
    /// </summary>
    public Task WorldCompleteAsync(Communicator communicator, CancellationToken ct) => Task.CompletedTask;

    public long[] PathSnapshot() => counters.Snapshot();

    public long BusiestPathBytesSince(long[] before) => PathCounters.Busiest(before, counters.Snapshot());

    public void Dispose() => counters.Dispose();
}
