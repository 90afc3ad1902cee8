using System.Globalization;

namespace Pccl.Cli.Bench.Wan;

/// <summary>
/// The choices of a <c>bench wan</c> run that every worker applies: the all-reduce algorithm, connections per
/// neighbour, and whether the peers vote on an optimised topology once the world is complete. The bench hands them to
/// its workers as flags (<see cref="ToFlags"/>) and the workers apply them in <see cref="ApplyTo"/> and
/// <see cref="WanWorkerHooks.WorldCompleteAsync"/>: the one place a feature of the library is wired into the bench.
/// </summary>
internal sealed record WanRunOptions
{
    public AllReduceAlgorithm Algorithm { get; init; } = AllReduceAlgorithm.Auto;

    public int ConnectionsPerPeer { get; init; } = 1;

    public bool OptimizeTopology { get; init; }

    /// <exception cref="PcclException">A choice this build cannot run; the message says which.</exception>
    public WanRunOptions Validated()
    {
        if (ConnectionsPerPeer != 1)
        {
            throw new PcclException(PcclErrorCode.InvalidArgument,
                $"--connections-per-peer {ConnectionsPerPeer} is not available in this build (striped links, performance.connections_per_peer); use 1");
        }

        return this;
    }

    /// <summary>The worker flags that carry these choices.</summary>
    public IEnumerable<string> ToFlags()
    {
        yield return "--algorithm";
        yield return Algorithm.ToString();
        yield return "--connections-per-peer";
        yield return ConnectionsPerPeer.ToString(CultureInfo.InvariantCulture);
        if (OptimizeTopology)
        {
            yield return "--optimize-topology";
        }
    }

    /// <summary>A worker's communicator options with these choices: where <see cref="ConnectionsPerPeer"/> becomes <c>performance.connections_per_peer</c> in a build with striped links.</summary>
    public CommunicatorOptions ApplyTo(CommunicatorOptions options) => options;
}
