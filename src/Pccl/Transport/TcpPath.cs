using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace Pccl.Transport;

/// <summary>
/// What the kernel knows about one TCP connection's path: its smoothed round trip, the most bytes one stream keeps
/// in flight (the window its buffers allow), and whether it stays on this host.
/// </summary>
/// <param name="RoundTrip">The kernel's smoothed round-trip time of the connection; null where it cannot be read (not Linux).</param>
/// <param name="Window">Bytes one stream can keep in flight: half the smaller of the socket's send and receive buffers as the kernel reports them (it doubles what was set, and keeps about half for bookkeeping).</param>
/// <param name="Loopback">Whether the neighbour is this host (a loopback address, or one of this host's own).</param>
internal readonly record struct TcpPath(TimeSpan? RoundTrip, long Window, bool Loopback)
{
    // Linux: IPPROTO_TCP / TCP_INFO, and the offset of tcpi_rtt (microseconds) in struct tcp_info
    private const int IpProtoTcp = 6;
    private const int TcpInfo = 11;
    private const int RttOffset = 68;

    public static TcpPath Of(Socket socket, IPEndPoint? remote)
    {
        long window;
        try
        {
            window = Math.Min(socket.SendBufferSize, socket.ReceiveBufferSize) / 2;
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            window = 0;
        }

        return new TcpPath(ReadRoundTrip(socket), window, remote is not null && IsThisHost(socket, remote.Address));
    }

    /// <summary>A loopback address, or one of this host's own: the kernel then uses the same address as the source.</summary>
    private static bool IsThisHost(Socket socket, IPAddress remote)
    {
        remote = Unmapped(remote);
        if (IPAddress.IsLoopback(remote))
        {
            return true;
        }

        try
        {
            return socket.LocalEndPoint is IPEndPoint local && Unmapped(local.Address).Equals(remote);
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            return false;
        }
    }

    /// <summary>A dual-mode socket sees IPv4 peers as IPv4-mapped IPv6 addresses.</summary>
    private static IPAddress Unmapped(IPAddress address) => address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address;

    private static TimeSpan? ReadRoundTrip(Socket socket)
    {
        if (!OperatingSystem.IsLinux())
        {
            return null;
        }

        Span<byte> info = stackalloc byte[RttOffset + sizeof(uint)];
        try
        {
            return socket.GetRawSocketOption(IpProtoTcp, TcpInfo, info) < info.Length
                ? null
                : TimeSpan.FromMicroseconds(MemoryMarshal.Read<uint>(info[RttOffset..]));
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            return null;
        }
    }
}
