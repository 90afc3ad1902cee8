namespace Pccl;

/// <summary>Options of an embedded or standalone master. Defaults are the seed chapter's.</summary>
public sealed record MasterOptions
{
    /// <summary>The defaults.</summary>
    public static MasterOptions Default { get; } = new();

    /// <summary>Address the control listener (TCP) and heartbeat socket (UDP) bind to.</summary>
    public string BindAddress { get; init; } = "0.0.0.0";

    /// <summary>Control port (TCP) and heartbeat port (UDP); 0 picks a free port.</summary>
    public int Port { get; init; } = 7117;

    /// <summary>Cluster id every hello must carry.</summary>
    public string ClusterId { get; init; } = "pccl";

    /// <summary>Heartbeat period peers use.</summary>
    public TimeSpan HeartbeatInterval { get; init; } = TimeSpan.FromMilliseconds(100);

    /// <summary>Silence after which a peer is removed.</summary>
    public TimeSpan HeartbeatTimeout { get; init; } = TimeSpan.FromMilliseconds(500);

    /// <summary>Limit for a connection's hello and authentication.</summary>
    public TimeSpan HandshakeTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Limit for a connection that finished its handshake to register (fault_tolerance.registration_timeout_ms);
    /// connections that never register are closed after it.
    /// </summary>
    public TimeSpan RegistrationTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Once one member of a vote (topology, pending peers), a collective's start or a shared-state sync has asked, how
    /// long the master waits for the others before it removes the silent ones (fault_tolerance.vote_timeout_ms).
    /// </summary>
    public TimeSpan VoteTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>
    /// Limit for every participant of a topology update to report its ring connections
    /// (fault_tolerance.topology_timeout_ms); the silent ones are removed and the others vote again.
    /// </summary>
    public TimeSpan TopologyTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Limit for each receiver of a shared-state sync to report its transfer done (fault_tolerance.shared_state_timeout_ms);
    /// a receiver still silent after it is removed and the others complete.
    /// </summary>
    public TimeSpan SharedStateTimeout { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>
    /// The slowest transfer rate a shared-state receiver is allowed, in bytes per second
    /// (fault_tolerance.shared_state_min_bytes_per_s): each receiver's limit is <see cref="SharedStateTimeout"/> plus the
    /// bytes the master planned for it divided by this, so a large state on a slow link is not cut off.
    /// </summary>
    public long SharedStateMinBytesPerSecond { get; init; } = 10_000_000;

    /// <summary>TLS settings; disabled by default.</summary>
    public TlsOptions Tls { get; init; } = TlsOptions.Disabled;

    /// <summary>Shared-secret authentication; disabled by default.</summary>
    public AuthOptions Auth { get; init; } = AuthOptions.Disabled;

    /// <summary>
    /// Where the master keeps its epoch, leader lease and shared-state revisions (master.store): <c>memory</c> (kept by
    /// this process only; it always leads), <c>sqlite:PATH</c>, or <c>postgresql://user[:password]@host[:port]/database</c>
    /// for an active master and standbys on several machines.
    /// </summary>
    public string Store { get; init; } = "memory";

    /// <summary>The PostgreSQL password when <see cref="Store"/> carries none (PCCL_MASTER_STORE_PASSWORD).</summary>
    public string? StorePassword { get; init; }

    /// <summary>
    /// How long a leader lease lasts without renewal (master.lease_ttl_ms); the leader renews every quarter of it. A
    /// leader that cannot renew stops serving when it ends; a standby takes over soon after. Must exceed
    /// <see cref="HeartbeatInterval"/>.
    /// </summary>
    public TimeSpan LeaseTtl { get; init; } = TimeSpan.FromMilliseconds(1500);

    /// <summary>
    /// The host peers reach this master at, written to the store while it leads so a standby can name it
    /// (network.advertise_address); null: <see cref="BindAddress"/> when it names one address, else the machine's host name.
    /// </summary>
    public string? AdvertiseAddress { get; init; }

    /// <summary>
    /// Creates the <c>Pccl</c> meter (a host's <see cref="System.Diagnostics.Metrics.IMeterFactory"/>, which then owns it);
    /// null: the instance creates and disposes a meter of its own.
    /// </summary>
    public System.Diagnostics.Metrics.IMeterFactory? MeterFactory { get; init; }

    /// <summary>Test-only: where the leader crashes on purpose; null in production.</summary>
    internal Master.Server.IMasterFaults? Faults { get; init; }
}
