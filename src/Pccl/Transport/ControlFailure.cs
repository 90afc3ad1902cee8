namespace Pccl.Transport;

/// <summary>How a <see cref="ControlConnection"/> ended; its owner words it for its side (master or peer).</summary>
internal enum ControlFailure
{
    /// <summary>The other side closed the connection between frames.</summary>
    ClosedByPeer,

    /// <summary>This side stopped it (its token fired).</summary>
    Stopped,

    /// <summary>The other side sent bytes that are not a valid frame or message.</summary>
    Malformed,

    /// <summary>A read failed: reset, aborted, closed under the reader.</summary>
    Lost,

    /// <summary>A write failed.</summary>
    LostWhileSending,

    /// <summary>A frame was still not written a grace period after its sender gave up: the other side is not reading.</summary>
    NotReading,
}
