using Pccl.Transport;

namespace Pccl.Operations.Collectives;

/// <summary>
/// The connections of one ring hop as an operation uses them: the stripes to the successor, and how to take the
/// predecessor's further stripes once its first frame says how many it spreads the operation over. Frame n of the hop
/// travels on stripe n mod K, so both sides agree on where each piece is without numbering the stripes in the frames.
/// </summary>
/// <param name="Outgoing">The stripes to the successor, in order; one for an unstriped lane.</param>
/// <param name="IncomingStripe">Waits for the predecessor's stripe with the given index (1 and up) of the set its first stripe belongs to.</param>
internal sealed record StripedHop(IReadOnlyList<OutgoingStripe> Outgoing, Func<uint, CancellationToken, Task<EstablishedConnection>> IncomingStripe);
