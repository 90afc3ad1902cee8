using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace Pccl.Transport;

/// <summary>
/// How far one TCP connection's sending has come, as the kernel counts it: the payload bytes the peer acknowledged and
/// the time the connection had data to send or awaiting acknowledgement (Linux <c>tcpi_bytes_acked</c>,
/// <c>tcpi_busy_time</c>). The difference of two readings is the rate the connection carried while it had work,
/// leaving out the time it sat idle (a ring waiting for its partner).
/// </summary>
/// <param name="BytesAcked">Payload bytes the peer acknowledged since the connection opened.</param>
/// <param name="Busy">Time the connection had unsent or unacknowledged data since it opened.</param>
internal readonly record struct TcpProgress(long BytesAcked, TimeSpan Busy)
{
    // Linux: IPPROTO_TCP / TCP_INFO, and the offsets of tcpi_bytes_acked and tcpi_busy_time (microseconds) in struct tcp_info
    private const int IpProtoTcp = 6;
    private const int TcpInfo = 11;
    private const int BytesAckedOffset = 120;
    private const int BusyTimeOffset = 168;

    /// <summary>The connection's progress now; null where the kernel cannot tell (not Linux, a closed socket, or a kernel without busy time).</summary>
    public static TcpProgress? Of(Socket socket)
    {
        if (!OperatingSystem.IsLinux())
        {
            return null;
        }

        Span<byte> info = stackalloc byte[BusyTimeOffset + sizeof(ulong)];
        int length;
        try
        {
            length = socket.GetRawSocketOption(IpProtoTcp, TcpInfo, info);
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            return null;
        }

        return length < info.Length
            ? null
            : new TcpProgress((long)MemoryMarshal.Read<ulong>(info[BytesAckedOffset..]), TimeSpan.FromMicroseconds(MemoryMarshal.Read<ulong>(info[BusyTimeOffset..])));
    }
}
