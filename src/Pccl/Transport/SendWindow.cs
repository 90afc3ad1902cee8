using System.Net.Sockets;

namespace Pccl.Transport;

/// <summary>
/// Bounds the bytes one TCP stream keeps in flight through its send buffer. The kernel counts a stream's unsent and
/// unacknowledged bytes against the buffer and doubles what is set for its bookkeeping, so a buffer of half the bound
/// keeps the stream's window at about the bound whatever its congestion window would allow. Lowering it takes effect at
/// once; <see cref="Restore"/> gives back the size every connection starts with (<see cref="SocketTuning"/>).
/// </summary>
internal static class SendWindow
{
    /// <summary>The least bound: a few of the largest segments, so a stream never stalls on its own buffer.</summary>
    public const int MinBytes = 128 * 1024;

    /// <summary>Keeps at most about <paramref name="bytes"/> (at least <see cref="MinBytes"/>) in flight on <paramref name="socket"/>.</summary>
    public static void Bound(Socket socket, long bytes) =>
        Set(socket, (int)Math.Clamp(bytes / 2, MinBytes / 2, SocketTuning.BufferBytes));

    /// <summary>The send buffer every PCCL connection starts with.</summary>
    public static void Restore(Socket socket) => Set(socket, SocketTuning.BufferBytes);

    private static void Set(Socket socket, int bufferBytes)
    {
        try
        {
            socket.SendBufferSize = bufferBytes;
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            // a connection already broken: its ring fails on its own
        }
    }
}
