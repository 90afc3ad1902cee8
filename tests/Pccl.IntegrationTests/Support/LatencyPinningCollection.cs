namespace Pccl.IntegrationTests.Support;

/// <summary>
/// Tests that bound how long a failure takes to notice run alone: on two cores, a test class running beside them can
/// starve a heartbeat thread or the thread that fails a call, and the measured latency then says more about that
/// neighbour than about the code under test.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class LatencyPinningCollection
{
    public const string Name = "Latency pinning (serial)";
}
