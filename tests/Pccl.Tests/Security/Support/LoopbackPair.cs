using System.Net;
using System.Net.Sockets;

namespace Pccl.Tests.Security.Support;

/// <summary>A connected pair of TCP sockets over 127.0.0.1 with their streams.</summary>
public sealed class LoopbackPair : IDisposable
{
    private LoopbackPair(Socket server, Socket client)
    {
        ServerSocket = server;
        ClientSocket = client;
        Server = new NetworkStream(server, ownsSocket: false);
        Client = new NetworkStream(client, ownsSocket: false);
    }

    public Socket ServerSocket { get; }
    public Socket ClientSocket { get; }
    public NetworkStream Server { get; }
    public NetworkStream Client { get; }

    public static async Task<LoopbackPair> ConnectAsync(CancellationToken cancellationToken)
    {
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen(1);
        var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        var accept = listener.AcceptAsync(cancellationToken);
        await client.ConnectAsync(listener.LocalEndPoint!, cancellationToken);
        var server = await accept;
        server.NoDelay = true;
        return new LoopbackPair(server, client);
    }

    /// <summary>What a connection owner does when its handshake fails: close its end.</summary>
    public void CloseServer() => ServerSocket.Close();

    /// <inheritdoc cref="CloseServer"/>
    public void CloseClient() => ClientSocket.Close();

    public void Dispose()
    {
        Server.Dispose();
        Client.Dispose();
        ServerSocket.Dispose();
        ClientSocket.Dispose();
    }
}
