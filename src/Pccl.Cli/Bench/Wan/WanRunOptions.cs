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

    /// <summary>TCP connections per ring neighbour; null for automatic (the library's default).</summary>
    public int? ConnectionsPerPeer { get; init; }

    public bool OptimizeTopology { get; init; }

    /// <summary><c>performance.start_grants</c> on every worker (the library's default); false: each all-reduce waits for the master's start.</summary>
    public bool StartGrants { get; init; } = true;

    /// <summary>
    /// A directory where each worker writes its debug log (<c>peer-REGION-PID.log</c>): among others every ring of a
    /// hierarchical all-reduce with when it started and how long it ran (event 1780); null for none (workers log nothing).
    /// </summary>
    public string? StageLog { get; init; }

    /// <summary><c>auto</c> or a count of 1 to 8.</summary>
    /// <exception cref="PcclException">Anything else; the message names the flag.</exception>
    public static int? ParseConnections(string text)
    {
        if (text == "auto")
        {
            return null;
        }

        if (int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var count) && count is >= 1 and <= Pccl.Protocol.Codec.RingStripes.Max)
        {
            return count;
        }

        throw new PcclException(PcclErrorCode.InvalidArgument,
            $"--connections-per-peer {text}: must be auto or a count from 1 to {Pccl.Protocol.Codec.RingStripes.Max} (performance.connections_per_peer)");
    }

    /// <summary>The worker flags that carry these choices.</summary>
    public IEnumerable<string> ToFlags()
    {
        yield return "--algorithm";
        yield return Algorithm.ToString();
        yield return "--connections-per-peer";
        yield return ConnectionsPerPeer?.ToString(CultureInfo.InvariantCulture) ?? "auto";
        if (OptimizeTopology)
        {
            yield return "--optimize-topology";
        }

        if (!StartGrants)
        {
            yield return "--no-start-grants";
        }

        if (StageLog is not null)
        {
            yield return "--stage-log";
            yield return Path.GetFullPath(StageLog);
        }
    }

    /// <summary>A worker's communicator options with these choices.</summary>
    public CommunicatorOptions ApplyTo(CommunicatorOptions options) => options with { ConnectionsPerPeer = ConnectionsPerPeer, StartGrants = StartGrants };
}
