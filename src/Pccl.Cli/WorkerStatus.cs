namespace Pccl.Cli;

/// <summary>A worker's <c>/status</c> document (snake_case in JSON).</summary>
/// <param name="Accepted">True once the master accepted this peer into the run.</param>
/// <param name="PeerId">The id the master assigned, 0 before registration.</param>
/// <param name="PeerGroup">The peer group.</param>
/// <param name="GlobalWorldSize">Accepted peers in the run as this peer last heard.</param>
/// <param name="GroupWorldSize">Accepted peers in this peer's group.</param>
/// <param name="HeartbeatRttMs">Smoothed heartbeat round trip to the master, if measured.</param>
/// <param name="P2PPort">The port this peer's p2p listener took from <c>network.p2p_port_range</c>, 0 before it joined.</param>
internal sealed record WorkerStatus(bool Accepted, ulong PeerId, uint PeerGroup, int GlobalWorldSize, int GroupWorldSize, double? HeartbeatRttMs,
    [property: System.Text.Json.Serialization.JsonPropertyName("p2p_port")] int P2PPort)
{
    public string Role => "worker";

    public static WorkerStatus Of(Communicator? communicator) => communicator is null
        ? new WorkerStatus(false, 0, 0, 0, 0, null, 0)
        : new WorkerStatus(true, communicator.PeerId, communicator.PeerGroup, communicator.GlobalWorldSize, communicator.GroupWorldSize,
            communicator.HeartbeatRtt?.TotalMilliseconds, communicator.P2PPort);
}
