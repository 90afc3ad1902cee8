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
/// <param name="MinRoundTrip">The least round trip the kernel has seen on the connection: the path's own delay, without
/// the time packets spent queued behind each other; null where it cannot be read.</param>
internal readonly record struct TcpPath(TimeSpan? RoundTrip, long Window, bool Loopback, TimeSpan? MinRoundTrip = null)
{
    // Linux: IPPROTO_TCP / TCP_INFO, and the offset of tcpi_rtt (microseconds) in struct tcp_info
    private const int IpProtoTcp = 6;
    private const int TcpInfo = 11;
    private const int RttOffset = 68;
    private const int MinRttOffset = 148;

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

        var (roundTrip, minRoundTrip) = ReadRoundTrips(socket);
        return new TcpPath(roundTrip, window, remote is not null && IsThisHost(socket, remote.Address), minRoundTrip);
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

    /// <summary>tcpi_rtt and tcpi_min_rtt; the minimum is null on kernels without it, or before its first sample.</summary>
    private static (TimeSpan? RoundTrip, TimeSpan? MinRoundTrip) ReadRoundTrips(Socket socket)
    {
        if (!OperatingSystem.IsLinux())
        {
            return (null, null);
        }

        Span<byte> info = stackalloc byte[MinRttOffset + sizeof(uint)];
        int length;
        try
        {
            length = socket.GetRawSocketOption(IpProtoTcp, TcpInfo, info);
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            return (null, null);
        }

        if (length < RttOffset + sizeof(uint))
        {
            return (null, null);
        }

        var roundTrip = TimeSpan.FromMicroseconds(MemoryMarshal.Read<uint>(info[RttOffset..]));
        var min = length < info.Length ? 0 : MemoryMarshal.Read<uint>(info[MinRttOffset..]);
        return (roundTrip, min is 0 or uint.MaxValue ? null : TimeSpan.FromMicroseconds(min));
    }
}
