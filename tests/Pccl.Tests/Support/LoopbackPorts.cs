using System.Net;
using System.Net.Sockets;

namespace Pccl.Tests.Support;

/// <summary>Loopback TCP ports for tests that must name a port before whatever listens on it starts.</summary>
internal static class LoopbackPorts
{
    /// <summary>A port the kernel just handed out and that nothing holds now (another process may still take it).</summary>
    public static int Free()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        return ((IPEndPoint)probe.LocalEndpoint).Port;
    }
}
