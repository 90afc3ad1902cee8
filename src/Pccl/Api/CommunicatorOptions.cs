namespace Pccl;

/// <summary>Everything a peer needs to join a run. Defaults are the seed chapter's.</summary>
public sealed record CommunicatorOptions
{
    /// <summary>The defaults.</summary>
    public static CommunicatorOptions Default { get; } = new();

    /// <summary>Master host name or address.</summary>
    public string MasterHost { get; init; } = "127.0.0.1";

    /// <summary>Master control port (TCP) and heartbeat port (UDP).</summary>
    public int MasterPort { get; init; } = 7117;

    /// <summary>
    /// The masters of an active/standby pair (or more), all dialled at once on every attempt (the first leader to answer
    /// wins, so a paused master costs nothing); a host name is resolved again on each attempt and every address it has
    /// is tried. A standby answers with the leader's address, which is tried next at once. Null or empty: <see cref="MasterHost"/>:<see cref="MasterPort"/> alone.
    /// </summary>
    public IReadOnlyList<MasterEndpoint>? MasterEndpoints { get; init; }

    /// <summary>
    /// How long a peer whose master was lost tries to register with a leader again (the masters of
    /// <see cref="MasterEndpoints"/>) before its calls fail for good; operations in flight at the loss fail with a
    /// transient <see cref="PcclErrorCode.MasterLost"/> either way, and the retry helpers carry on once it is back. An
    /// all-reduce whose data had moved when the master was lost waits instead for the next leader's verdict, so that
    /// every peer ends it alike (docs/high-availability.md).
    /// Default 30 s, as <c>fault_tolerance.master_reconnect_timeout_ms</c>; zero: a lost master is final.
    /// </summary>
    public TimeSpan MasterReconnectTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>The masters tried, in order: <see cref="MasterEndpoints"/>, or <see cref="MasterHost"/>:<see cref="MasterPort"/>.</summary>
    public IReadOnlyList<MasterEndpoint> Masters => MasterEndpoints is { Count: > 0 } masters ? masters : [new MasterEndpoint(MasterHost, MasterPort)];

    /// <summary>Address the p2p listener binds to.</summary>
    public string P2PBindAddress { get; init; } = "0.0.0.0";

    /// <summary>
    /// Host name or address other peers reach this peer at (with its p2p port); the master lists it instead of the source
    /// address it observes, which NAT or a load balancer rewrites. Null: the observed address.
    /// </summary>
    public string? AdvertiseAddress { get; init; }

    /// <summary>Ports tried, first free wins, for this peer's p2p listener.</summary>
    public PortRange P2PPorts { get; init; } = PortRange.DefaultP2P;

    /// <summary>Peer group this peer belongs to.</summary>
    public uint PeerGroup { get; init; }

    /// <summary>Region (data centre) label for hierarchical topology; empty for flat.</summary>
    public string Region { get; init; } = "";

    /// <summary>Cluster id checked in every connection hello; peers of other clusters are refused.</summary>
    public string ClusterId { get; init; } = "pccl";

    /// <summary>Heartbeat period.</summary>
    public TimeSpan HeartbeatInterval { get; init; } = TimeSpan.FromMilliseconds(100);

    /// <summary>Silence after which a peer (or the master) counts as lost.</summary>
    public TimeSpan HeartbeatTimeout { get; init; } = TimeSpan.FromMilliseconds(500);

    /// <summary>Limit for connecting to the master and for each handshake.</summary>
    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Keep a copy of in-place all-reduce inputs so a failed attempt can be retried.</summary>
    public bool EnableBufferBackup { get; init; } = true;

    /// <summary>Retry bound of the library's retry helpers.</summary>
    public int MaxRecoveryAttempts { get; init; } = 3;

    /// <summary>Largest piece the ring all-reduce moves, in bytes (at least 8; every peer of a group must use the same value).</summary>
    public int RingChunkSize { get; init; } = 4 * 1024 * 1024;

    /// <summary>IO concurrency: how many ring operations move data at once on this peer; more wait, in sequence order.</summary>
    public int NumIoThreads { get; init; } = 4;

    /// <summary>Connections per neighbour available to concurrent operations (tags).</summary>
    public int P2PConnectionPoolSize { get; init; } = 4;

    /// <summary>
    /// TCP connections each ring lane to a neighbour is striped over, 1 to 8; null (the default) chooses per neighbour:
    /// enough streams for the path's bandwidth-delay product (the round trip the kernel measured on the lane's first
    /// connection, over one stream's window), 1 to a neighbour on this host.
    /// </summary>
    public int? ConnectionsPerPeer { get; init; }

    /// <summary>
    /// Start grants (<c>performance.start_grants</c>): the master's complete of an all-reduce may start the next one on
    /// the same tag, so a call with the same parameters runs without waiting a round trip for the master's start. The
    /// master grants only when every peer of the group takes grants; a call with other parameters, a vote or a
    /// shared-state sync cancels the grant (an all-reduce already running on it fails with a retryable error).
    /// </summary>
    public bool StartGrants { get; init; } = true;

    /// <summary>Lossless compression of all-reduce traffic on the wire.</summary>
    public bool EnableCompression { get; init; }

    /// <summary>TLS settings; disabled by default.</summary>
    public TlsOptions Tls { get; init; } = TlsOptions.Disabled;

    /// <summary>Shared-secret authentication; disabled by default.</summary>
    public AuthOptions Auth { get; init; } = AuthOptions.Disabled;

    /// <summary>
    /// Creates the <c>Pccl</c> meter (a host's <see cref="System.Diagnostics.Metrics.IMeterFactory"/>, which then owns it);
    /// null: the instance creates and disposes a meter of its own.
    /// </summary>
    public System.Diagnostics.Metrics.IMeterFactory? MeterFactory { get; init; }
}
