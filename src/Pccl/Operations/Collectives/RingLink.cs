using System.Net.Sockets;
using Pccl.Transport;

namespace Pccl.Operations.Collectives;

/// <summary>One data connection of a lane between two ring neighbours.</summary>
internal sealed class RingLink(EstablishedConnection connection, ulong openedAtSequence) : IAsyncDisposable
{
    public Stream Stream => connection.Stream;

    /// <summary>The socket under <see cref="Stream"/> when nothing (TLS) buffers between them, else null.</summary>
    public Socket? PlainSocket => connection.Stream is NetworkStream ? connection.Socket : null;

    /// <summary>The operation sequence that opened it; an abort of sequence s retires links opened at or before s.</summary>
    public ulong OpenedAtSequence { get; } = openedAtSequence;

    /// <summary>
    /// Whether the neighbour has closed or reset the connection while it sat idle in its lane: the socket polls readable
    /// with nothing to read (an end of stream). A live idle link polls not readable, or readable with the neighbour's
    /// next frames waiting.
    /// </summary>
    public bool IsClosedByNeighbour
    {
        get
        {
            try
            {
                return connection.Socket.Poll(0, SelectMode.SelectRead) && connection.Socket.Available == 0;
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException)
            {
                return true;
            }
        }
    }

    public ValueTask DisposeAsync()
    {
        try
        {
            connection.Socket.Shutdown(SocketShutdown.Both);
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            // already closed
        }

        return connection.Stream.DisposeAsync();
    }
}
