using System.Net;
using System.Net.Sockets;

namespace Pccl.Cli.Processes;

/// <summary>Ports free on loopback now, for the processes a bench or test starts there.</summary>
internal static class LoopbackPorts
{
    /// <summary>A port free for TCP.</summary>
    public static int FreeTcp()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        return ((IPEndPoint)probe.LocalEndpoint).Port;
    }

    /// <summary>Whether <paramref name="port"/> is free on loopback now for both TCP and UDP (a master binds the same number for both).</summary>
    public static bool IsFreeForTcpAndUdp(int port)
    {
        using var tcp = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        using var udp = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        try
        {
            tcp.Bind(new IPEndPoint(IPAddress.Loopback, port));
            tcp.Listen();
            udp.Bind(new IPEndPoint(IPAddress.Loopback, port));
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    /// <summary>
    /// The next port of the block <paramref name="first"/>..<paramref name="first"/> + <paramref name="count"/> − 1,
    /// counting on from <paramref name="next"/> (shared by threads), that is free for TCP and UDP now.
    /// </summary>
    public static int NextFreeInBlock(int first, int count, ref int next)
    {
        for (var tried = 0; tried < count; tried++)
        {
            var port = first + (Interlocked.Increment(ref next) % count);
            if (IsFreeForTcpAndUdp(port))
            {
                return port;
            }
        }

        throw new InvalidOperationException($"no port of {first}-{first + count - 1} is free for TCP and UDP on loopback");
    }

    /// <summary>A port free for both TCP and UDP (a master binds the same number for both).</summary>
    public static int FreeTcpAndUdp()
    {
        while (true)
        {
            using var tcp = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            tcp.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            var port = ((IPEndPoint)tcp.LocalEndPoint!).Port;
            using var udp = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
            try
            {
                udp.Bind(new IPEndPoint(IPAddress.Loopback, port));
                return port;
            }
            catch (SocketException)
            {
                // taken for UDP: draw another
            }
        }
    }
}
