namespace Pccl.Hosting.Configuration;

/// <summary>
/// The whole of <c>pccl_config.yaml</c> as an immutable tree. Every default is the seed chapter's;
/// <see cref="ConfigLoader"/> builds one from a file, the environment and flags.
/// </summary>
public sealed record PcclConfig
{
    /// <summary>All defaults, as if the file were empty.</summary>
    public static PcclConfig Default { get; } = new();

    /// <summary>The <c>network</c> section (with <c>network.tls</c>).</summary>
    public NetworkConfig Network { get; init; } = new();

    /// <summary>The <c>auth</c> section.</summary>
    public AuthConfig Auth { get; init; } = new();

    /// <summary>The <c>fault_tolerance</c> section.</summary>
    public FaultToleranceConfig FaultTolerance { get; init; } = new();

    /// <summary>The <c>performance</c> section.</summary>
    public PerformanceConfig Performance { get; init; } = new();

    /// <summary>The <c>logging</c> section.</summary>
    public LoggingConfig Logging { get; init; } = new();

    /// <summary>The <c>metrics</c> section.</summary>
    public MetricsConfig Metrics { get; init; } = new();

    /// <summary>The <c>master</c> section.</summary>
    public MasterConfig Master { get; init; } = new();

    /// <summary>The options a worker's <c>Communicator</c> takes.</summary>
    public CommunicatorOptions ToCommunicatorOptions() => new()
    {
        MasterHost = Network.Masters[0].Host,
        MasterPort = Network.Masters[0].Port,
        // a list only when there is one: a single master stays in MasterHost/MasterPort, where a caller's `with` overrides it
        MasterEndpoints = Network.Masters.Count > 1 ? Network.Masters : null,
        MasterReconnectTimeout = TimeSpan.FromMilliseconds(FaultTolerance.MasterReconnectTimeoutMs),
        P2PBindAddress = Network.BindAddress,
        AdvertiseAddress = Network.AdvertiseAddress,
        P2PPorts = Network.P2PPortRange,
        PeerGroup = Network.PeerGroup,
        Region = Network.Region,
        ClusterId = Network.ClusterId,
        HeartbeatInterval = TimeSpan.FromMilliseconds(Network.HeartbeatIntervalMs),
        HeartbeatTimeout = TimeSpan.FromMilliseconds(Network.HeartbeatTimeoutMs),
        ConnectTimeout = TimeSpan.FromMilliseconds(Network.ConnectTimeoutMs),
        EnableBufferBackup = FaultTolerance.EnableBufferBackup,
        MaxRecoveryAttempts = FaultTolerance.MaxRecoveryAttempts,
        RingChunkSize = Performance.RingChunkSize,
        NumIoThreads = Performance.NumIoThreads,
        P2PConnectionPoolSize = Performance.P2PConnectionPoolSize,
        ConnectionsPerPeer = Performance.ConnectionsPerPeer,
        StartGrants = Performance.StartGrants,
        EnableCompression = Performance.EnableCompression,
        Tls = ToTlsOptions(),
        Auth = ToAuthOptions(),
    };

    /// <summary>The options a master takes; it binds <c>network.bind_address</c>:<c>network.master_port</c>.</summary>
    public MasterOptions ToMasterOptions() => new()
    {
        BindAddress = Network.BindAddress,
        Port = Network.MasterPort,
        ClusterId = Network.ClusterId,
        HeartbeatInterval = TimeSpan.FromMilliseconds(Network.HeartbeatIntervalMs),
        HeartbeatTimeout = TimeSpan.FromMilliseconds(Network.HeartbeatTimeoutMs),
        RegistrationTimeout = TimeSpan.FromMilliseconds(FaultTolerance.RegistrationTimeoutMs),
        VoteTimeout = TimeSpan.FromMilliseconds(FaultTolerance.VoteTimeoutMs),
        TopologyTimeout = TimeSpan.FromMilliseconds(FaultTolerance.TopologyTimeoutMs),
        SharedStateTimeout = TimeSpan.FromMilliseconds(FaultTolerance.SharedStateTimeoutMs),
        SharedStateMinBytesPerSecond = FaultTolerance.SharedStateMinBytesPerS,
        Tls = ToTlsOptions(),
        Auth = ToAuthOptions(),
        Store = Master.Store,
        StorePassword = Master.StorePassword,
        LeaseTtl = TimeSpan.FromMilliseconds(Master.LeaseTtlMs),
        AdvertiseAddress = Network.AdvertiseAddress,
    };

    private TlsOptions ToTlsOptions() => Network.Tls.Enabled
        ? new TlsOptions { Enabled = true, CertFile = Network.Tls.CertFile, KeyFile = Network.Tls.KeyFile, CaFile = Network.Tls.CaFile }
        : TlsOptions.Disabled;

    private AuthOptions ToAuthOptions() => new()
    {
        Enabled = Auth.Enabled,
        Secret = Auth.Enabled ? Auth.Secret : null,
        AllowedNetworks = Auth.AllowedNetworks,
        MaxPeers = Auth.MaxPeers,
        MaxHandshakesPerSource = Auth.MaxHandshakesPerSource,
    };
}
