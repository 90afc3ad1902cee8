using Pccl.Transport;
using Pccl.Transport.Heartbeats;

namespace Pccl;

/// <summary>
/// Live readings of one <see cref="Communicator"/>'s heartbeat session and p2p listener that its public API does not
/// show, for tests that forge heartbeats or flood the listener. A heartbeat reading is null until the session starts.
/// </summary>
internal sealed class CommunicatorDiagnostics(Func<HeartbeatSender?> heartbeats, Func<(ulong Token, IHeartbeatMac Mac)?> session, Func<P2PListener?> listener)
{
    /// <summary>This peer's heartbeat session token (from its registration).</summary>
    public ulong? HeartbeatToken => session()?.Token;

    /// <summary>This peer's heartbeat MAC (its session key), to sign datagrams as the peer or its master would.</summary>
    public IHeartbeatMac? HeartbeatMac => session()?.Mac;

    /// <summary>The local UDP port this peer's heartbeat answers arrive on.</summary>
    public int? HeartbeatPort => heartbeats()?.Port;

    /// <summary>The sequence number of this peer's latest heartbeat.</summary>
    public ulong? LatestHeartbeat => heartbeats()?.PingsSent;

    /// <summary>Heartbeat answers this peer dropped so far, by reason.</summary>
    public HeartbeatDropCounts? HeartbeatDrops => heartbeats()?.Drops;

    /// <summary>Heartbeat answers this peer took as signs of life so far.</summary>
    public long? HeartbeatAnswersAccepted => heartbeats()?.PongsReceived;

    /// <summary>Connections this peer's p2p listener closed unheard because too many handshakes were pending.</summary>
    public long DroppedP2PHandshakes => listener()?.DroppedHandshakesForTest ?? 0;
}
