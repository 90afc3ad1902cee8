using Pccl.Transport;

namespace Pccl.Operations.Collectives;

/// <summary>One data connection of a lane between two ring neighbours: the lane's only one, or one stripe of a set.</summary>
internal sealed class RingLink(EstablishedConnection connection, ulong openedAtSequence) : IAsyncDisposable
{
    public EstablishedConnection Connection { get; } = connection;

    /// <summary>The operation sequence that opened it; an abort of sequence s retires links opened at or before s.</summary>
    public ulong OpenedAtSequence { get; } = openedAtSequence;

    /// <summary>Which stripe of its set it is (0 for the first, and for an unstriped lane).</summary>
    public uint Stripe => Connection.Hello.Stripe;

    /// <summary>The set its stripes share, drawn by the side that opened them.</summary>
    public ulong StripeSet => Connection.Hello.StripeSet;

    /// <summary>Whether the neighbour has closed or reset the connection while it sat idle in its lane.</summary>
    public bool IsClosedByNeighbour => Connection.IsClosedByPeer;

    public ValueTask DisposeAsync() => Connection.DisposeAsync();
}
