namespace Pccl.Cli.Preflight;

/// <summary>
/// What preflight tells the operator when a row warns or fails: the likely cause and the fix. Kept together so
/// <c>docs/deployment.md</c> can quote them (a test compares the two).
/// </summary>
internal static class PreflightAdvice
{
    /// <summary>{0} host:port, {1} the socket error, {2} the port.</summary>
    public const string MasterUnreachable =
        "cannot open TCP {0} ({1}): check that the master runs, that network.master_host still points to it " +
        "(DNS or IP changed: use a stable DNS name or a static IP) and that TCP {2} is open in every firewall and security group on the way";

    /// <summary>{0} host:port, {1} the refusal.</summary>
    public const string HandshakeRefused =
        "the master at {0} refused this host: {1}. Set auth.enabled, auth.secret, network.tls.* and network.cluster_id to the master's values";

    /// <summary>{0} probes sent, {1} host:port, {2} the port.</summary>
    public const string UdpBlocked =
        "no answer to any of {0} UDP probes sent to {1}: UDP {2} (heartbeats) is blocked between this host and the master; " +
        "open it on the master and in every firewall and security group on the way (iptables -A INPUT -p udp --dport {2} -j ACCEPT)";

    /// <summary>{0} the range, {1} the bind address, {2} the error.</summary>
    public const string P2PNotBindable =
        "no port of network.p2p_port_range {0} can be bound on {1} here ({2}): stop what holds them, widen the range, or correct network.bind_address";

    /// <summary>{0} address:port dialled, {1} the error, {2} first port, {3} last port.</summary>
    public const string P2PUnreachable =
        "the master could not open TCP {0} ({1}): other peers will not reach this one; open TCP {2}-{3} (network.p2p_port_range) inbound on this host " +
        "(iptables -A INPUT -p tcp --dport {2}:{3} -j ACCEPT) and in its security group";

    public const string LowBandwidth =
        "bandwidth below the deployment chapter's table: a shaped, shared or distant link; every all-reduce slows in proportion. " +
        "Use a faster link, or quantize (AllReduceOptions.Quantization) or compress (performance.enable_compression) the traffic";

    public const string HighRtt =
        "round-trip time above the deployment chapter's table: the master is far away or the link is congested; " +
        "put the master close to the peers and keep network.heartbeat_timeout_ms well above the round-trip time";

    public const string PacketLoss =
        "UDP probes lost: a lossy or congested link or a rate-limiting firewall; expect heartbeat timeouts and frequent recoveries. " +
        "Fix the link, or raise network.heartbeat_timeout_ms";

    public const string Jitter =
        "round-trip time varies: a congested or shared link; raise network.heartbeat_timeout_ms to stay clear of false heartbeat timeouts";

    /// <summary>{0} the window in KiB, {1} net.core.wmem_max, {2} net.core.rmem_max, {3} Mbit/s of one connection, {4} the round trip in ms.</summary>
    public const string SocketBuffersCapped =
        "the kernel caps the 4 MiB socket buffers PCCL asks for: one connection keeps {0:0} KiB in flight (net.core.wmem_max {1}, net.core.rmem_max {2}), " +
        "at most {3:0.#} Mbit/s over a {4:0} ms round trip, and a striped ring hop at most 8 connections of it; on a long inter-site path raise both on every worker host: " +
        "sysctl -w net.core.wmem_max=4194304 net.core.rmem_max=4194304 (and in /etc/sysctl.d/)";

    /// <summary>{0} the row that failed first.</summary>
    public const string NotMeasured = "not measured: {0} failed";
}
