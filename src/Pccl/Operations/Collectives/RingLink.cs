using Pccl.Transport;

namespace Pccl.Operations.Collectives;

/// <summary>One data connection of a lane between two ring neighbours.</summary>
internal sealed class RingLink(EstablishedConnection connection, ulong openedAtSequence) : IAsyncDisposable
{
    public Stream Stream => connection.Stream;

    /// <summary>The socket under <see cref="Stream"/> when nothing (TLS) buffers between them, else null.</summary>
    public System.Net.Sockets.Socket? PlainSocket => connection.Stream is System.Net.Sockets.NetworkStream ? connection.Socket : null;

    /// <summary>The operation sequence that opened it; an abort of sequence s retires links opened at or before s.</summary>
    public ulong OpenedAtSequence { get; } = openedAtSequence;

    public ValueTask DisposeAsync()
    {
        try
        {
            connection.Socket.Shutdown(System.Net.Sockets.SocketShutdown.Both);
        }
        catch (Exception e) when (e is System.Net.Sockets.SocketException or ObjectDisposedException)
        {
            // already closed
        }

        return connection.Stream.DisposeAsync();
    }
}
