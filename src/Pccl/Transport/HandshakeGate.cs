namespace Pccl.Transport;

/// <summary>
/// Caps the handshakes a listener runs at once, so a flood of connection attempts (or of half-open connections
/// that send nothing until the handshake timeout) costs bounded memory and CPU. Extra connections are closed at once;
/// a legitimate client sees a closed connection, a transient error it retries.
/// </summary>
internal sealed class HandshakeGate(int limit = HandshakeGate.DefaultLimit)
{
    /// <summary>Pending handshakes allowed per listener.</summary>
    public const int DefaultLimit = 64;

    private int _pending;
    private long _dropped;

    /// <summary>Connections closed unheard because the gate was full.</summary>
    public long Dropped => Interlocked.Read(ref _dropped);

    /// <summary>Takes a slot; false (and counted as dropped) when every slot is taken.</summary>
    public bool TryEnter()
    {
        if (Interlocked.Increment(ref _pending) <= limit)
        {
            return true;
        }

        Interlocked.Decrement(ref _pending);
        Interlocked.Increment(ref _dropped);
        return false;
    }

    /// <summary>Gives back a slot taken by <see cref="TryEnter"/>.</summary>
    public void Exit() => Interlocked.Decrement(ref _pending);
}
