using Pccl.Transport;

namespace Pccl.Operations.Collectives;

/// <summary>One data connection of a lane between two ring neighbours.</summary>
internal sealed class RingLink(EstablishedConnection connection, ulong openedAtSequence) : IAsyncDisposable
{
    public EstablishedConnection Connection { get; } = connection;

    /// <summary>The operation sequence that opened it; an abort of sequence s retires links opened at or before s.</summary>
    public ulong OpenedAtSequence { get; } = openedAtSequence;

    /// <summary>Whether the neighbour has closed or reset the connection while it sat idle in its lane.</summary>
    public bool IsClosedByNeighbour => Connection.IsClosedByPeer;

    public ValueTask DisposeAsync() => Connection.DisposeAsync();
}
