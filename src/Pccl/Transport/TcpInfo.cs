using System.Net.Sockets;

namespace Pccl.Transport;

/// <summary>
/// Linux's <c>struct tcp_info</c> of one connection (<c>getsockopt(IPPROTO_TCP, TCP_INFO)</c>), read for
/// <see cref="TcpPath"/> and <see cref="TcpProgress"/>; the offsets are the kernel's.
/// </summary>
internal static class TcpInfo
{
    private const int IpProtoTcp = 6;
    private const int Option = 11;

    /// <summary><c>tcpi_rtt</c>, microseconds (u32).</summary>
    public const int RttOffset = 68;

    /// <summary><c>tcpi_bytes_acked</c> (u64).</summary>
    public const int BytesAckedOffset = 120;

    /// <summary><c>tcpi_min_rtt</c>, microseconds (u32).</summary>
    public const int MinRttOffset = 148;

    /// <summary><c>tcpi_busy_time</c>, microseconds (u64).</summary>
    public const int BusyTimeOffset = 168;

    /// <summary>
    /// Fills <paramref name="info"/> with the start of the connection's <c>tcp_info</c>; returns how many bytes the
    /// kernel wrote (an older kernel writes fewer), 0 off Linux or on a closed socket.
    /// </summary>
    public static int Read(Socket socket, Span<byte> info)
    {
        if (!OperatingSystem.IsLinux())
        {
            return 0;
        }

        try
        {
            return socket.GetRawSocketOption(IpProtoTcp, Option, info);
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            return 0;
        }
    }
}
