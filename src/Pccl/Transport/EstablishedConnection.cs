using System.Net;
using System.Net.Sockets;
using System.Runtime.CompilerServices;
using Pccl.Protocol.Messages;

namespace Pccl.Transport;

/// <summary>
/// A connection past its handshake. It owns the socket and the stream over it (TLS or plain) and is the only place
/// above the handshake that touches the socket: the layers above read and write <see cref="Stream"/> and ask it
/// whether input is pending or the peer has closed.
/// </summary>
/// <remarks>
/// Sealed, and its probes are plain members, because the ring's send path asks <see cref="InputPending"/> after every
/// frame it writes.
/// </remarks>
internal sealed class EstablishedConnection : IAsyncDisposable
{
    /// <summary>Where a peek for the peer's closing writes; shared, since nothing reads it.</summary>
    private static readonly byte[] PeekProbe = new byte[1];

    private readonly Socket _socket;

    /// <summary>The socket when nothing (TLS) buffers between it and <see cref="Stream"/>, else null.</summary>
    private readonly Socket? _plain;

    private string? _shutdownReason;

    public EstablishedConnection(Socket socket, Stream stream, Hello hello, IPEndPoint? remote)
    {
        _socket = socket;
        _plain = stream is NetworkStream ? socket : null;
        Stream = stream;
        Hello = hello;
        Remote = remote;
        LeavesHost = SocketPacing.PaceIfLeavingHost(socket, remote);
        CongestionControl = Transport.CongestionControl.Name(socket);
    }

    /// <summary>Whether the neighbour is another host (paced by the kernel from the start, <see cref="SocketPacing.PaceIfLeavingHost"/>); false within this host and off Linux.</summary>
    public bool LeavesHost { get; }

    public Stream Stream { get; }

    /// <summary>The hello the connecting side sent (as sent, on the connecting side).</summary>
    public Hello Hello { get; }

    public IPEndPoint? Remote { get; }

    /// <summary>On a peer's control connection: the epoch the master's hello reply named (0 when it named none).</summary>
    public ulong MasterEpoch { get; init; }

    /// <summary>Why the connection was shut down, the first reason given; null while it is open.</summary>
    public string? ShutdownReason => Volatile.Read(ref _shutdownReason);

    /// <summary>
    /// Whether bytes are waiting to be read. Only a plain connection can tell: behind TLS, bytes may wait inside the
    /// stream where the socket cannot see them, so it says false there. A failed socket says false too: the read that
    /// follows fails and reports it.
    /// </summary>
    public bool InputPending
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => _plain is { } plain && BytesAvailable(plain);
    }

    /// <summary>
    /// Whether the peer has closed or reset the connection while this side sent nothing: the socket polls readable with
    /// nothing to read (an end of stream). A live idle connection polls not readable, or readable with the peer's next
    /// bytes waiting. A socket already shut down or failed counts as closed.
    /// </summary>
    public bool IsClosedByPeer
    {
        get
        {
            try
            {
                return _socket.Poll(0, SelectMode.SelectRead) && _socket.Available == 0;
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException)
            {
                return true;
            }
        }
    }

    /// <summary>
    /// Waits on a connection this side only writes to until the peer closes or resets it: true then. The peer's end of
    /// stream would otherwise surface only at this side's next write, and a ring peer waiting on its predecessor may
    /// have none to make. False when the peer sent bytes instead (behind TLS, its own records): they are only peeked
    /// at, left for the stream, and the closing cannot be told from them.
    /// </summary>
    public async ValueTask<bool> WaitForCloseByPeerAsync(CancellationToken ct)
    {
        try
        {
            return await _socket.ReceiveAsync(PeekProbe, SocketFlags.Peek, ct).ConfigureAwait(false) == 0;
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            return true;
        }
    }

    /// <summary>The connection's round trip and window as the kernel sees them now.</summary>
    public TcpPath MeasurePath() => TcpPath.Of(_socket, Remote);

    /// <summary>Holds the connection's sending to <paramref name="bytesPerSecond"/>, or lifts that ceiling when null (<see cref="SocketPacing"/>).</summary>
    /// <returns>Whether the kernel took it.</returns>
    public bool PaceTo(long? bytesPerSecond) => SocketPacing.Set(_socket, bytesPerSecond);

    /// <summary>The ceiling the connection's sending is held to, in bytes per second; null when none.</summary>
    public long? PacingRate => SocketPacing.Get(_socket);

    /// <summary>
    /// The congestion control the kernel runs the connection with (<see cref="Transport.CongestionControl"/>), read once
    /// when it was established (PCCL never switches it); null where it cannot be read.
    /// </summary>
    public string? CongestionControl { get; }

    /// <summary>The bytes the peer acknowledged and the time the connection was busy sending, as the kernel counts them now.</summary>
    public TcpProgress? MeasureProgress() => TcpProgress.Of(_socket);

    /// <summary>
    /// Shuts the connection down in both directions, so that pending and later reads and writes on either side end.
    /// Idempotent: the first call's <paramref name="reason"/> is kept and later calls do nothing. Never throws; a
    /// socket already closed stays closed.
    /// </summary>
    /// <returns>Whether this call shut it down.</returns>
    public bool Shutdown(string reason)
    {
        if (Interlocked.CompareExchange(ref _shutdownReason, reason, null) is not null)
        {
            return false;
        }

        try
        {
            _socket.Shutdown(SocketShutdown.Both);
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            // already closed
        }

        return true;
    }

    /// <summary>
    /// Shuts down (see <see cref="Shutdown"/>) and releases the socket at once, ending a write the peer never drains
    /// (a hung peer with a full receive window), which a shutdown alone may leave waiting.
    /// </summary>
    public void Abort(string reason)
    {
        Shutdown(reason);
        _socket.Dispose();
    }

    /// <summary>Shuts down, if nothing did yet, then closes the stream and the socket.</summary>
    public async ValueTask DisposeAsync()
    {
        Shutdown("closed by this side");
        try
        {
            await Stream.DisposeAsync().ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException or NotSupportedException)
        {
            // closing a broken stream
        }

        _socket.Dispose();
    }

    private static bool BytesAvailable(Socket socket)
    {
        try
        {
            return socket.Available > 0;
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            return false;
        }
    }
}
