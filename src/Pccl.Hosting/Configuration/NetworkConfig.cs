namespace Pccl.Hosting.Configuration;

/// <summary>The <c>network</c> section: where the master is and how peers reach each other.</summary>
public sealed record NetworkConfig
{
    /// <summary>
    /// <c>master_host</c>: master host name or address (default <c>127.0.0.1</c>), or the masters of an active/standby
    /// pair as <c>host[:port]</c> separated by commas (<c>m1:7117,m2:7117</c>); see <see cref="Masters"/>.
    /// </summary>
    public string MasterHost { get; init; } = "127.0.0.1";

    /// <summary><see cref="MasterHost"/> as endpoints, in order; an entry without a port uses <see cref="MasterPort"/>.</summary>
    public IReadOnlyList<MasterEndpoint> Masters => MasterEndpoint.ParseList(MasterHost, MasterPort);

    /// <summary><c>master_port</c>: master control port (TCP) and heartbeat port (UDP), default 7117.</summary>
    public int MasterPort { get; init; } = 7117;

    /// <summary><c>heartbeat_interval_ms</c>: heartbeat period in milliseconds, default 100.</summary>
    public int HeartbeatIntervalMs { get; init; } = 100;

    /// <summary><c>heartbeat_timeout_ms</c>: silence after which a peer counts as lost, default 500.</summary>
    public int HeartbeatTimeoutMs { get; init; } = 500;

    /// <summary><c>connect_timeout_ms</c>: limit for connecting and for each handshake, default 10000.</summary>
    public int ConnectTimeoutMs { get; init; } = 10_000;

    /// <summary><c>p2p_port_range</c>: ports a peer's p2p listener tries, default 7118-7150.</summary>
    public PortRange P2PPortRange { get; init; } = PortRange.DefaultP2P;

    /// <summary><c>bind_address</c>: address the master and the p2p listener bind to, default 0.0.0.0.</summary>
    public string BindAddress { get; init; } = "0.0.0.0";

    /// <summary>
    /// <c>advertise_address</c>: host name or address other peers reach this worker at, sent to the master instead of the
    /// source address it observes (needed behind NAT or a load balancer); unset by default.
    /// </summary>
    public string? AdvertiseAddress { get; init; }

    /// <summary><c>cluster_id</c>: id every connection hello carries, default <c>pccl</c>.</summary>
    public string ClusterId { get; init; } = "pccl";

    /// <summary><c>peer_group</c>: the peer group this worker joins, default 0.</summary>
    public uint PeerGroup { get; init; }

    /// <summary><c>region</c>: data-centre label for hierarchical topology; empty for a flat ring.</summary>
    public string Region { get; init; } = "";

    /// <summary><c>tls</c>: TLS settings, disabled by default.</summary>
    public TlsConfig Tls { get; init; } = new();
}
