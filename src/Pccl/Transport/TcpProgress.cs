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
    /// <summary>The connection's progress now; null where the kernel cannot tell (not Linux, a closed socket, or a kernel without busy time).</summary>
    public static TcpProgress? Of(Socket socket)
    {
        Span<byte> info = stackalloc byte[TcpInfo.BusyTimeOffset + sizeof(ulong)];
        return TcpInfo.Read(socket, info) < info.Length
            ? null
            : new TcpProgress((long)MemoryMarshal.Read<ulong>(info[TcpInfo.BytesAckedOffset..]), TimeSpan.FromMicroseconds(MemoryMarshal.Read<ulong>(info[TcpInfo.BusyTimeOffset..])));
    }
}
