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
    private readonly ConnectionListener _listener;

    private P2PListener(ConnectionListener listener) => _listener = listener;

    /// <summary>
    /// Pending handshakes one source may hold. A neighbour legitimately opens up to two connections per lane at once
    /// (performance.p2p_connection_pool_size, 4 by default: 8), and peers sharing a host share its address; 32 covers a
    /// pool of 16 and still leaves half of the listener's 64 slots to other sources. Beyond it a connection is dropped
    /// and its opener retries, as for any full listener.
    /// </summary>
    internal const int PerSourceHandshakes = 32;

    public int Port => _listener.Port;

    /// <summary>Connections closed unheard because too many handshakes were pending; for tests.</summary>
    internal long DroppedHandshakes => _listener.DroppedHandshakes;

    /// <summary>Binds the first free port of <paramref name="range"/> (bump allocation).</summary>
    public static P2PListener Start(string bindAddress, PortRange range, string clusterId, ConnectionSecurity security,
        TimeSpan handshakeTimeout, Func<EstablishedConnection, ValueTask> onConnection, P2PGatekeeper gatekeeper, ILogger logger)
    {
        var address = IPAddress.Parse(bindAddress);
        for (var port = range.First; port <= range.Last; port++)
        {
            ConnectionListener listener;
            try
            {
                listener = ConnectionListener.Bind(new IPEndPoint(address, port));
            }
            catch (SocketException e) when (e.SocketErrorCode is SocketError.AddressAlreadyInUse or SocketError.AccessDenied)
            {
                continue;
            }

            var refusals = new RefusalLog(logger, burst: 1, TimeSpan.FromSeconds(10));
            listener.Start(new ListenerHandshake(clusterId, security, handshakeTimeout, static (_, _) => null, refusals.NoteRefusal, gatekeeper),
                PerSourceHandshakes, onConnection);
            return new P2PListener(listener);
        }

        throw new PcclException(PcclErrorCode.PortRangeExhausted,
            $"every p2p port in {range} on {bindAddress} is in use ({range.Count} ports for at most {range.Count} peers on this host): " +
            "widen network.p2p_port_range (and open it in the firewall) or run fewer peers on this host");
    }

    public ValueTask DisposeAsync() => _listener.DisposeAsync();
}
