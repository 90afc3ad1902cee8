using System.Globalization;
using System.Net.Sockets;
using System.Text;
using Pccl.Transport;

namespace Pccl.Cli.Preflight;

/// <summary>
/// The <c>socket_buffers</c> row: how much of the socket buffers PCCL asks for (<see cref="SocketTuning.BufferBytes"/>)
/// the kernel grants on this host, as the window one connection can keep in flight. A stream moves at most its window
/// per round trip, so a capped buffer caps every connection on a long path; striping spreads a hop over at most 8.
/// Checked locally, so the row is there even when the master cannot be reached. It warns, never fails: a short path
/// does not need the room.
/// </summary>
internal static class SocketBuffers
{
    /// <summary>The round trip the advice assumes where the probes measured none: a long inter-site path.</summary>
    private const double AssumedRoundTripMs = 100;

    private static readonly CompositeFormat Capped = CompositeFormat.Parse(PreflightAdvice.SocketBuffersCapped);

    /// <summary>The window a connection's buffers allow here (<see cref="TcpPath.Window"/>), on a socket tuned as every PCCL connection is.</summary>
    public static long GrantedWindowBytes()
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        SocketTuning.Apply(socket);
        return TcpPath.Of(socket, null).Window;
    }

    /// <summary>The row for a granted <paramref name="windowBytes"/>, the advice's rate over <paramref name="roundTripMs"/> (100 ms where none was measured).</summary>
    public static PreflightCheck Judge(long windowBytes, double? roundTripMs)
    {
        var kib = windowBytes / 1024.0;
        var granted = windowBytes >= SocketTuning.BufferBytes;
        var rtt = roundTripMs is > 0 and { } measured ? measured : AssumedRoundTripMs;
        var advice = granted
            ? ""
            : string.Format(CultureInfo.InvariantCulture, Capped, kib, Sysctl("wmem_max"), Sysctl("rmem_max"), windowBytes * 8 / (rtt / 1000) / 1e6, rtt);
        return new PreflightCheck("socket_buffers", kib, "KiB", null, SocketTuning.BufferBytes / 1024, granted ? CheckStatus.Pass : CheckStatus.Warn, advice);
    }

    private static string Sysctl(string name)
    {
        try
        {
            return File.ReadAllText($"/proc/sys/net/core/{name}").Trim();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return "unknown";
        }
    }
}
