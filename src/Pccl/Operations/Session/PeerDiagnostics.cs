using Pccl.Transport.Heartbeats;
using Pccl.Transport.Identity;

namespace Pccl.Operations.Session;

/// <summary>
/// Live readings and switches of one peer session that the public API does not show, for tests that speak as a member,
/// forge heartbeats, freeze a peer or flood the listener. A heartbeat reading is null until the session starts.
/// </summary>
internal sealed class PeerDiagnostics(PeerSession session)
{
    /// <summary>This registration's p2p identity, to open connections as this member.</summary>
    public PeerIdentity Identity => session.Identity;

    /// <summary>This peer's heartbeat session token (from its registration).</summary>
    public ulong? HeartbeatToken => session.Heartbeats.Credentials?.Token;

    /// <summary>This peer's heartbeat MAC (its session key), to sign datagrams as the peer or its master would.</summary>
    public IHeartbeatMac? HeartbeatMac => session.Heartbeats.Credentials?.Mac;

    /// <summary>The local UDP port this peer's heartbeat answers arrive on.</summary>
    public int? HeartbeatPort => session.Heartbeats.Sender?.Port;

    /// <summary>The sequence number of this peer's latest heartbeat.</summary>
    public ulong? LatestHeartbeat => session.Heartbeats.Sender?.PingsSent;

    /// <summary>Heartbeat answers this peer dropped so far, by reason.</summary>
    public HeartbeatDropCounts? HeartbeatDrops => session.Heartbeats.Sender?.Drops;

    /// <summary>Heartbeat answers this peer took as signs of life so far.</summary>
    public long? HeartbeatAnswersAccepted => session.Heartbeats.Sender?.PongsReceived;

    /// <summary>Connections this peer's p2p listener closed unheard because too many handshakes were pending.</summary>
    public long DroppedP2PHandshakes => session.Listener?.DroppedHandshakes ?? 0;

    /// <summary>The <c>pccl.instance</c> tag of this peer's meter.</summary>
    public long TelemetryInstance => session.Telemetry.Instance;

    /// <summary>Master messages this peer dropped because their epoch was older than the newest it had seen (over all its registrations).</summary>
    public long StaleEpochMessages => session.Fence.StaleMessages;

    /// <summary>Stops sending heartbeats and watching for answers, as a frozen process would.</summary>
    public void PauseHeartbeats() => session.Heartbeats.Pause();
}
