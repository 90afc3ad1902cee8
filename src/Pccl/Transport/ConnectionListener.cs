using System.Net;
using System.Net.Sockets;

namespace Pccl.Transport;

/// <summary>
/// A TCP listener that runs the server side of the handshake on every connection it accepts and hands each one that
/// passes to its owner: the master's control port and a peer's p2p port are both one of these. Pending handshakes are
/// capped by a <see cref="HandshakeGate"/> (a flood is dropped unheard), a failing accept backs off
/// (<see cref="AcceptBackoff"/>), and refusals go to the owner's log.
/// </summary>
/// <remarks>
/// Bound (and listening) first and started later, so that its owner can claim related ports (the master's UDP twin)
/// between the two; connections that arrive in between wait in the backlog.
/// </remarks>
internal sealed class ConnectionListener : IAsyncDisposable, IDisposable
{
    /// <summary>Connections the kernel queues before the accept loop takes them.</summary>
    private const int Backlog = 512;

    private readonly Socket _socket;
    private readonly CancellationTokenSource _stop = new();
    private HandshakeGate _handshakes = new();
    private Task _acceptLoop = Task.CompletedTask;

    private ConnectionListener(Socket socket)
    {
        _socket = socket;
        Port = ((IPEndPoint)socket.LocalEndPoint!).Port;
    }

    /// <summary>The port bound; the one the OS picked when bound to port 0.</summary>
    public int Port { get; }

    /// <summary>Connections closed unheard because too many handshakes were pending.</summary>
    public long DroppedHandshakes => _handshakes.Dropped;

    /// <summary>
    /// Binds <paramref name="endpoint"/> and listens on it; throws the <see cref="SocketException"/> of a port in use or
    /// not allowed. Listening is part of claiming the port: the runtime binds with address reuse on Unix, so two
    /// processes may both bind one port, and only the second's listen fails.
    /// </summary>
    public static ConnectionListener Bind(IPEndPoint endpoint, bool reuseAddress = false)
    {
        var socket = new Socket(endpoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            if (reuseAddress)
            {
                socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
            }

            socket.Bind(endpoint);
            socket.Listen(Backlog);
            return new ConnectionListener(socket);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Starts accepting. Each connection runs <paramref name="handshake"/> under a gate of
    /// <see cref="HandshakeGate.DefaultLimit"/> pending handshakes, <paramref name="perSourceHandshakes"/> of them from
    /// one source; one that passes goes to <paramref name="onConnection"/>, which owns it from then on.
    /// </summary>
    public void Start(ListenerHandshake handshake, int perSourceHandshakes, Func<EstablishedConnection, ValueTask> onConnection)
    {
        _handshakes = new HandshakeGate(HandshakeGate.DefaultLimit, perSourceHandshakes);
        _acceptLoop = Task.Run(() => AcceptLoopAsync(handshake, onConnection));
    }

    private async Task AcceptLoopAsync(ListenerHandshake handshake, Func<EstablishedConnection, ValueTask> onConnection)
    {
        var backoff = new AcceptBackoff();
        while (!_stop.IsCancellationRequested)
        {
            Socket accepted;
            try
            {
                accepted = await _socket.AcceptAsync(_stop.Token).ConfigureAwait(false);
                backoff.Succeeded();
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                if (_stop.IsCancellationRequested)
                {
                    return;
                }

                await backoff.FailedAsync(_stop.Token).ConfigureAwait(false);
                continue;
            }

            var source = HandshakeGate.SourceOf(accepted);
            if (!_handshakes.TryEnter(source))
            {
                accepted.Dispose(); // a flood: drop unheard rather than queue without bound
                continue;
            }

            _ = Task.Run(() => HandshakeAsync(accepted, source, handshake, onConnection));
        }
    }

    private async Task HandshakeAsync(Socket accepted, IPAddress? source, ListenerHandshake handshake, Func<EstablishedConnection, ValueTask> onConnection)
    {
        EstablishedConnection? connection;
        try
        {
            connection = await Handshake.AcceptAsync(accepted, handshake.ClusterId, handshake.Security, handshake.Admit, handshake.Timeout, _stop.Token,
                handshake.OnRefused, handshake.Gatekeeper, handshake.Epoch).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            return; // the listener is stopping; the handshake closed the socket
        }
        finally
        {
            _handshakes.Exit(source);
        }

        if (connection is not null)
        {
            await onConnection(connection).ConfigureAwait(false);
        }
    }

    /// <summary>Stops accepting and cancels pending handshakes, without waiting for the accept loop to end.</summary>
    public void Dispose()
    {
        if (!_stop.IsCancellationRequested)
        {
            _stop.Cancel();
        }

        _socket.Dispose();
    }

    /// <summary>Stops accepting, cancels pending handshakes and waits for the accept loop to end.</summary>
    public async ValueTask DisposeAsync()
    {
        Dispose();
        await _acceptLoop.ConfigureAwait(false);
        _stop.Dispose();
    }
}
