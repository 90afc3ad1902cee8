using System.Net.Sockets;

namespace Pccl.Transport;

/// <summary>Socket settings every PCCL connection gets, accepted or connected.</summary>
internal static class SocketTuning
{
    public static void Apply(Socket socket)
    {
        // Without NoDelay small control messages wait for the peer's delayed ACK, once per operation (PCCL C++'s bug).
        socket.NoDelay = true;
        socket.SendBufferSize = 4 * 1024 * 1024;
        socket.ReceiveBufferSize = 4 * 1024 * 1024;
        socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.KeepAlive, true);
    }
}
