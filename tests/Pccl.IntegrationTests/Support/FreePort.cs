using System.Net;
using System.Net.Sockets;

namespace Pccl.IntegrationTests.Support;

/// <summary>Free loopback ports, and disjoint p2p port ranges so parallel tests never share one.</summary>
internal static class FreePort
{
    private static int _nextRange = 30000 + (Environment.ProcessId % 50 * 400);

    public static int Tcp()
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)socket.LocalEndPoint!).Port;
    }

    /// <summary>A range of <paramref name="size"/> ports no other test of this run gets.</summary>
    public static string P2PRange(int size = 16)
    {
        var first = Interlocked.Add(ref _nextRange, size) - size;
        return $"{first}-{first + size - 1}";
    }
}
