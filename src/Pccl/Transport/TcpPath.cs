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
    public static bool IsThisHost(Socket socket, IPAddress remote)
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
        Span<byte> info = stackalloc byte[TcpInfo.MinRttOffset + sizeof(uint)];
        var length = TcpInfo.Read(socket, info);
        if (length < TcpInfo.RttOffset + sizeof(uint))
        {
            return (null, null);
        }

        var roundTrip = TimeSpan.FromMicroseconds(MemoryMarshal.Read<uint>(info[TcpInfo.RttOffset..]));
        var min = length < info.Length ? 0 : MemoryMarshal.Read<uint>(info[TcpInfo.MinRttOffset..]);
        return (roundTrip, min is 0 or uint.MaxValue ? null : TimeSpan.FromMicroseconds(min));
    }
}
