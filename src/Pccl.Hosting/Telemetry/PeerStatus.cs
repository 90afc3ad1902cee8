using System.Text.Json.Nodes;

namespace Pccl.Hosting.Telemetry;

/// <summary>
/// What a peer's monitoring endpoint answers for the communicator it runs: the <c>/status</c> document of
/// <c>pccl worker</c> and of a C peer of <c>libpccl.so</c>, and its <c>/readyz</c>. A communicator that lost its master
/// for good is neither accepted nor ready, in both.
/// </summary>
internal static class PeerStatus
{
    /// <summary>Ready while <paramref name="communicator"/> is accepted and still registered with a master.</summary>
    /// <param name="communicator">The accepted communicator, or null before one was accepted.</param>
    /// <param name="master">The master endpoint it follows, named in the reason after a loss.</param>
    public static ReadinessReport Readiness(Communicator? communicator, string master) => communicator switch
    {
        null => ReadinessReport.NotReady("not accepted into the run yet"),
        { RegistrationLost: true } => ReadinessReport.NotReady($"lost the master at {master}"),
        _ => ReadinessReport.Ready,
    };

    /// <summary>The worker fields (<c>accepted</c> false and zeros before a communicator was accepted and after it lost its master).</summary>
    public static JsonObject Document(Communicator? communicator) => new()
    {
        ["role"] = "worker",
        ["accepted"] = communicator is not null && !communicator.RegistrationLost,
        ["peer_id"] = communicator?.PeerId ?? 0,
        ["peer_group"] = communicator?.PeerGroup ?? 0,
        ["global_world_size"] = communicator?.GlobalWorldSize ?? 0,
        ["group_world_size"] = communicator?.GroupWorldSize ?? 0,
        ["heartbeat_rtt_ms"] = communicator?.HeartbeatRtt?.TotalMilliseconds,
        ["p2p_port"] = communicator?.P2PPort ?? 0,
    };
}
