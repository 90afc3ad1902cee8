using System.Net.Sockets;
using System.Text;

namespace Pccl.Transport;

/// <summary>
/// The congestion control the kernel runs one TCP connection with (Linux <c>TCP_CONGESTION</c>): inherited from the
/// host's (or network namespace's) <c>net.ipv4.tcp_congestion_control</c> when the socket was made.
/// </summary>
internal static class CongestionControl
{
    private const int IpProtoTcp = 6;
    private const int TcpCongestion = 13;

    /// <summary>The algorithm's name (<c>cubic</c>, <c>bbr</c>, <c>reno</c>, …); null off Linux or on a closed socket.</summary>
    public static string? Name(Socket socket)
    {
        if (!OperatingSystem.IsLinux())
        {
            return null;
        }

        Span<byte> name = stackalloc byte[16];
        try
        {
            var length = socket.GetRawSocketOption(IpProtoTcp, TcpCongestion, name);
            var end = name[..length].IndexOf((byte)0);
            return Encoding.ASCII.GetString(name[..(end < 0 ? length : end)]);
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            return null;
        }
    }

    /// <summary>
    /// Whether the algorithm models the path's rate and paces to it by itself (BBR and its versions): a ceiling under
    /// its own estimate only keeps the connection from taking the share of another that is probing. Loss-based ones
    /// (CUBIC, Reno) grow until the path drops packets, so they need the ceiling to keep the path's queue short.
    /// </summary>
    public static bool PacesToItsModel(string? name) => name is not null && name.StartsWith("bbr", StringComparison.Ordinal);
}
