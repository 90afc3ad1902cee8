namespace Pccl.Transport.Heartbeats;

/// <summary>Which way a heartbeat datagram travels.</summary>
internal enum HeartbeatKind : byte
{
    /// <summary>Peer to master, every heartbeat interval.</summary>
    Ping = 1,

    /// <summary>Master to peer, the answer to one ping.</summary>
    Pong = 2,
}
