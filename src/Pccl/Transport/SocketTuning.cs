using System.Net.Sockets;

namespace Pccl.Transport;

/// <summary>Socket settings every PCCL connection gets, accepted or connected.</summary>
internal static class SocketTuning
{
    /// <summary>The send and the receive buffer every connection asks for: room for one stream's window on a long fat path; the kernel caps each at <c>net.core.wmem_max</c> / <c>rmem_max</c>.</summary>
    public const int BufferBytes = 4 * 1024 * 1024;

    public static void Apply(Socket socket)
    {
        // Without NoDelay small control messages wait for the peer's delayed ACK, once per operation (PCCL C++'s bug).
        socket.NoDelay = true;
        socket.SendBufferSize = BufferBytes;
        socket.ReceiveBufferSize = BufferBytes;
        socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.KeepAlive, true);
    }
}
