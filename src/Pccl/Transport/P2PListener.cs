using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using Pccl.Transport.Identity;

namespace Pccl.Transport;

/// <summary>
/// A peer's one p2p listener. It takes the first free port of the configured range and serves every p2p connection
/// kind; each connection that passes the handshake (including the <see cref="P2PGatekeeper"/>'s membership and
/// identity checks) is handed to <c>onConnection</c>. Refusals are logged, rate-limited.
/// </summary>
internal sealed class P2PListener : IAsyncDisposable
{
    private readonly Socket _socket;
    private readonly CancellationTokenSource _stop = new();
    private readonly HandshakeGate _handshakes = new(HandshakeGate.DefaultLimit, PerSourceHandshakes);
    private readonly Task _acceptLoop;
    private readonly P2PGatekeeper _gatekeeper;
    private readonly RefusalLog _refusals;

    private P2PListener(Socket socket, string clusterId, ConnectionSecurity security, TimeSpan handshakeTimeout, Func<EstablishedConnection, ValueTask> onConnection,
        P2PGatekeeper gatekeeper, ILogger logger)
    {
        _socket = socket;
        _gatekeeper = gatekeeper;
        _refusals = new RefusalLog(logger, burst: 1, TimeSpan.FromSeconds(10));
        Port = ((IPEndPoint)socket.LocalEndPoint!).Port;
        _acceptLoop = Task.Run(() => AcceptLoopAsync(clusterId, security, handshakeTimeout, onConnection));
    }

    /// <summary>
    /// Pending handshakes one source may hold. A neighbour legitimately opens up to two connections per lane at once
    /// (performance.p2p_connection_pool_size, 4 by default: 8), and peers sharing a host share its address; 32 covers a
    /// pool of 16 and still leaves half of the listener's 64 slots to other sources. Beyond it a connection is dropped
    /// and its opener retries, as for any full listener.
    /// </summary>
    internal const int PerSourceHandshakes = 32;

    public int Port { get; }

    /// <summary>Connections closed unheard because too many handshakes were pending; for tests.</summary>
    internal long DroppedHandshakesForTest => _handshakes.Dropped;

    /// <summary>Binds the first free port of <paramref name="range"/> (bump allocation).</summary>
    public static P2PListener Start(string bindAddress, PortRange range, string clusterId, ConnectionSecurity security,
        TimeSpan handshakeTimeout, Func<EstablishedConnection, ValueTask> onConnection, P2PGatekeeper gatekeeper, ILogger logger)
    {
        var address = IPAddress.Parse(bindAddress);
        for (var port = range.First; port <= range.Last; port++)
        {
            var socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
            try
            {
                socket.Bind(new IPEndPoint(address, port));
                socket.Listen(512);
                return new P2PListener(socket, clusterId, security, handshakeTimeout, onConnection, gatekeeper, logger);
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

            _ = Task.Run(async () =>
            {
                EstablishedConnection? connection;
                try
                {
                    connection = await Handshake.AcceptAsync(accepted, clusterId, security, static (_, _) => null, timeout, _stop.Token, _refusals.NoteRefusal, _gatekeeper)
                        .ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return; // the listener is stopping
                }
                finally
                {
                    _handshakes.Exit(source);
                }

                if (connection is not null)
                {
                    await onConnection(connection).ConfigureAwait(false);
                }
            });
        }
    }

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
