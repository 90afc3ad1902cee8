namespace Pccl.Transport.Heartbeats;

/// <summary>Why a received datagram was ignored; <see cref="None"/> when it was taken.</summary>
internal enum HeartbeatDrop
{
    None = 0,

    /// <summary>Not the size of a heartbeat of a known version.</summary>
    WrongLength,

    /// <summary>Not a PCCL heartbeat at all.</summary>
    BadMagic,

    /// <summary>A heartbeat of a format version this build does not speak.</summary>
    UnsupportedVersion,

    /// <summary>Neither a ping nor a pong, or reserved bits set.</summary>
    Malformed,

    /// <summary>A ping where a pong was expected or the reverse.</summary>
    WrongKind,

    /// <summary>The MAC is not that of the session's key (another peer's or another secret's key, or a forged or damaged datagram).</summary>
    BadMac,

    /// <summary>A peer id or session token the receiver does not know: a stranger or a previous incarnation.</summary>
    UnknownSession,

    /// <summary>A sequence number already seen or older than one seen (reordered, duplicated or replayed).</summary>
    Stale,

    /// <summary>
    /// A sequence number further above the last one taken than a live session can jump (a forgery, or a datagram of a
    /// session long given up), or, for an answer, the number of a ping not sent yet.
    /// </summary>
    TooFarAhead,
}
