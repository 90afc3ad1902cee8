namespace Pccl;

/// <summary>What went wrong, in terms a caller can branch on.</summary>
public enum PcclErrorCode
{
    /// <summary>No specific code applies; read the message.</summary>
    Unknown = 0,
    /// <summary>A configuration key or value is invalid.</summary>
    InvalidConfiguration,
    /// <summary>An argument passed to the API is invalid.</summary>
    InvalidArgument,
    /// <summary>The other side speaks a different protocol version.</summary>
    VersionMismatch,
    /// <summary>The other side refused the connection (reason in the message).</summary>
    ConnectionRefused,
    /// <summary>Authentication failed (wrong shared secret or certificate).</summary>
    AuthenticationFailed,
    /// <summary>A frame or message could not be decoded.</summary>
    ProtocolViolation,
    /// <summary>The master connection was lost.</summary>
    MasterLost,
    /// <summary>A peer of the running operation was lost; retry with the smaller world.</summary>
    PeerLost,
    /// <summary>Connecting to ring neighbours failed; the topology vote may be repeated.</summary>
    TopologyFailed,
    /// <summary>Every port of the configured p2p range is taken.</summary>
    PortRangeExhausted,
    /// <summary>The master removed this peer (reason in the message).</summary>
    Kicked,
    /// <summary>Peers disagreed on an operation's parameters.</summary>
    OperationMismatch,
    /// <summary>The world has fewer peers than the operation needs.</summary>
    TooFewPeers,
    /// <summary>An operation with this tag is already running.</summary>
    TagInUse,
    /// <summary>The operation was aborted (reason in the message).</summary>
    Aborted,
    /// <summary>A wait exceeded its deadline.</summary>
    Timeout,
    /// <summary>The object was disposed or is not in a state that allows the call.</summary>
    InvalidState,
    /// <summary>Shared state could not be synchronised (reason in the message).</summary>
    SharedStateMismatch,
    /// <summary>Data failed hash verification.</summary>
    IntegrityFailure,

    /// <summary>The master holds auth.max_peers peers already; transient: retry later, or raise the limit.</summary>
    ClusterFull,
}
