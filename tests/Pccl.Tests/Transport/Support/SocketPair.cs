using System.Net;
using System.Net.Sockets;
using Pccl.Protocol.Messages;
using Pccl.Transport;

namespace Pccl.Tests.Transport.Support;

/// <summary>Two ends of one loopback TCP connection: <see cref="Local"/> as a listener accepted it, and the <see cref="Remote"/> that connected.</summary>
internal sealed class SocketPair : IDisposable
{
    private SocketPair(Socket local, Socket remote)
    {
        Local = local;
        Remote = remote;
    }

    public Socket Local { get; }

    public Socket Remote { get; }

    public static async Task<SocketPair> ConnectAsync(CancellationToken ct)
    {
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen();
        var remote = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await remote.ConnectAsync(listener.LocalEndPoint!, ct);
        return new SocketPair(await listener.AcceptAsync(ct), remote);
    }

    /// <summary>The local end as the handshake hands it over, over a plain stream unless <paramref name="stream"/> is given.</summary>
    public EstablishedConnection Connection(Stream? stream = null) =>
        new(Local, stream ?? new NetworkStream(Local, ownsSocket: true), new Hello(), Local.RemoteEndPoint as IPEndPoint);

    public void Dispose()
    {
        Local.Dispose();
        Remote.Dispose();
    }
}
