using System.Net;
using System.Net.Sockets;
using Pccl.Protocol.Messages;

namespace Pccl.Transport;

/// <summary>
/// A peer's one p2p listener. It takes the first free port of the configured range and serves every p2p connection
/// kind; each connection that passes the handshake is handed to <c>onConnection</c>.
/// </summary>
internal sealed class P2PListener : IAsyncDisposable
{
    private readonly Socket _socket;
    private readonly CancellationTokenSource _stop = new();
    private readonly HandshakeGate _handshakes = new();
    private readonly Task _acceptLoop;

    private P2PListener(Socket socket, string clusterId, ConnectionSecurity security, TimeSpan handshakeTimeout, Func<EstablishedConnection, ValueTask> onConnection)
    {
        _socket = socket;
        Port = ((IPEndPoint)socket.LocalEndPoint!).Port;
        _acceptLoop = Task.Run(() => AcceptLoopAsync(clusterId, security, handshakeTimeout, onConnection));
    }

    public int Port { get; }

    /// <summary>Connections closed unheard because too many handshakes were pending; for tests.</summary>
    internal long DroppedHandshakesForTest => _handshakes.Dropped;

    /// <summary>Binds the first free port of <paramref name="range"/> (bump allocation).</summary>
    public static P2PListener Start(string bindAddress, PortRange range, string clusterId, ConnectionSecurity security,
        TimeSpan handshakeTimeout, Func<EstablishedConnection, ValueTask> onConnection)
    {
        var address = IPAddress.Parse(bindAddress);
        for (var port = range.First; port <= range.Last; port++)
        {
            var socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
            try
            {
                socket.Bind(new IPEndPoint(address, port));
                socket.Listen(512);
                return new P2PListener(socket, clusterId, security, handshakeTimeout, onConnection);
            }
            catch (SocketException e) when (e.SocketErrorCode is SocketError.AddressAlreadyInUse or SocketError.AccessDenied)
            {
                socket.Dispose();
            }
        }

        throw new PcclException(PcclErrorCode.PortRangeExhausted,
            $"every p2p port in {range} on {bindAddress} is in use ({range.Count} ports for at most {range.Count} peers on this host): " +
            "widen network.p2p_port_range (and open it in the firewall) or run fewer peers on this host");
    }

    private async Task AcceptLoopAsync(string clusterId, ConnectionSecurity security, TimeSpan timeout, Func<EstablishedConnection, ValueTask> onConnection)
    {
        while (!_stop.IsCancellationRequested)
        {
            Socket accepted;
            try
            {
                accepted = await _socket.AcceptAsync(_stop.Token).ConfigureAwait(false);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                if (_stop.IsCancellationRequested)
                {
                    return;
                }

                continue;
            }

            if (!_handshakes.TryEnter())
            {
                accepted.Dispose(); // a flood: drop unheard rather than queue without bound
                continue;
            }

            _ = Task.Run(async () =>
            {
                EstablishedConnection? connection;
                try
                {
                    connection = await Handshake.AcceptAsync(accepted, clusterId, security, Admit, timeout, _stop.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return; // the listener is stopping
                }
                finally
                {
                    _handshakes.Exit();
                }

                if (connection is not null)
                {
                    await onConnection(connection).ConfigureAwait(false);
                }
            });
        }
    }

    private static Refusal? Admit(Hello hello, IPEndPoint? remote) => hello.Kind switch
    {
        ConnectionKind.Ring or ConnectionKind.State or ConnectionKind.Bench when hello.PeerId != 0 => null,
        ConnectionKind.Control => new Refusal(RefusalReason.NotAllowed, "this is a peer's p2p port; connect to the master's port (7117 by default) instead"),
        _ => new Refusal(RefusalReason.Malformed, $"p2p hello of kind {hello.Kind} without a peer id"),
    };

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        _socket.Dispose();
        try
        {
            await _acceptLoop.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }

        _stop.Dispose();
    }
}
