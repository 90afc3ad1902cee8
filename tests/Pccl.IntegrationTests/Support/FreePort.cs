using System.Net;
using System.Net.Sockets;

namespace Pccl.IntegrationTests.Support;

/// <summary>
/// Free loopback ports, and disjoint p2p port ranges so parallel tests never share one. The ranges lie below the
/// kernel's ephemeral range (32768-60999), where the ports probed by <see cref="Tcp"/> come from: a worker's listener
/// there could take a port probed for a master before the master binds it.
/// </summary>
internal static class FreePort
{
    private static int _nextRange = 10000 + (Environment.ProcessId % 50 * 300);

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
