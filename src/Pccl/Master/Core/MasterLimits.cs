namespace Pccl.Master.Core;

/// <summary>
/// The deadlines and bounds the core enforces. Deadlines are measured against the time that <see cref="Tick"/> events
/// bring; each one names the configuration key that tunes it, so a kicked peer's message says what to raise.
/// </summary>
internal sealed record MasterLimits
{
    /// <summary>The defaults, as <see cref="MasterOptions"/> has them.</summary>
    public static MasterLimits Default { get; } = new();

    /// <summary>A handshaken connection must register within this.</summary>
    public TimeSpan RegistrationTimeout { get; init; } = MasterOptions.Default.RegistrationTimeout;

    /// <summary>Once one member voted or started a collective or shared-state sync, the others must follow within this.</summary>
    public TimeSpan VoteTimeout { get; init; } = MasterOptions.Default.VoteTimeout;

    /// <summary>Every participant of a topology update must report its ring connections within this.</summary>
    public TimeSpan TopologyTimeout { get; init; } = MasterOptions.Default.TopologyTimeout;

    /// <summary>Every receiver of a shared-state sync must report its transfer done within this.</summary>
    public TimeSpan SharedStateTimeout { get; init; } = MasterOptions.Default.SharedStateTimeout;

    /// <summary>The slowest rate a receiver may transfer its planned bytes at; adds to <see cref="SharedStateTimeout"/>.</summary>
    public long SharedStateMinBytesPerSecond { get; init; } = MasterOptions.Default.SharedStateMinBytesPerSecond;

    /// <summary>
    /// How long each sender of a topology optimisation's measurement step sends to its partner; the receiver counts the
    /// second half, so over a long path (100 ms and more) TCP has ramped up by then.
    /// </summary>
    public TimeSpan BandwidthTestDuration { get; init; } = TimeSpan.FromMilliseconds(1000);

    /// <summary>Most handshaken connections that have not registered yet, in all.</summary>
    public int MaxUnregistered { get; init; } = 256;

    /// <summary>Most handshaken connections that have not registered yet, from one address.</summary>
    public int MaxUnregisteredPerSource { get; init; } = 16;

    /// <summary>Most registered peers (auth.max_peers); 0 means no limit.</summary>
    public int MaxPeers { get; init; }

    /// <summary>Most collective tags one peer may have gathering or running at once.</summary>
    public int MaxTagsInFlightPerPeer { get; init; } = 1024;

    /// <summary>Longest region label (network.region), in characters.</summary>
    public int MaxRegionLength { get; init; } = 128;

    /// <summary>Most tensors in one shared-state sync request.</summary>
    public int MaxSharedStateTensors { get; init; } = 65_536;

    /// <summary>Longest shared-state key, in characters.</summary>
    public int MaxSharedStateKeyLength { get; init; } = 1024;

    /// <summary>
    /// How long after the first report of an operation in doubt its other participants may take to register again
    /// before it is failed: two heartbeat timeouts (network.heartbeat_timeout_ms), since every participant notices the
    /// lost master within one and then dials every master at once.
    /// </summary>
    public TimeSpan InDoubtTimeout { get; init; } = MasterOptions.Default.HeartbeatTimeout * 2;

    /// <summary>Most prior sessions one registration may report.</summary>
    public int MaxPriorSessions { get; init; } = 8;

    /// <summary>Most completed or in-doubt operations, and most participants of one, a prior session may report.</summary>
    public int MaxPriorOutcomes { get; init; } = 65_536;

    /// <summary>How long a receiver of <paramref name="plannedBytes"/> may take: the base limit plus the bytes at the slowest allowed rate.</summary>
    public TimeSpan SharedStateLimitFor(ulong plannedBytes)
    {
        // Byte lengths come from peers: clamp, so a hostile length cannot overflow the deadline.
        var seconds = Math.Min((double)plannedBytes / Math.Max(1, SharedStateMinBytesPerSecond), MaxTransferSeconds);
        return SharedStateTimeout + TimeSpan.FromSeconds(seconds);
    }

    private const double MaxTransferSeconds = 365 * 24 * 3600.0;

    public static MasterLimits From(MasterOptions options) => new()
    {
        RegistrationTimeout = options.RegistrationTimeout,
        VoteTimeout = options.VoteTimeout,
        TopologyTimeout = options.TopologyTimeout,
        SharedStateTimeout = options.SharedStateTimeout,
        SharedStateMinBytesPerSecond = options.SharedStateMinBytesPerSecond,
        MaxPeers = options.Auth.MaxPeers,
        InDoubtTimeout = options.HeartbeatTimeout * 2,
    };
}
