using Pccl.Transport;

namespace Pccl.Operations.Collectives;

/// <summary>
/// The connections of one ring hop as an operation uses them: the stripes to the successor, and how to take the
/// predecessor's further stripes once its first frame says how many it spreads the operation over. A striped hop's
/// frames travel on whichever stripe drains first and are read as they arrive (<see cref="StripeArrivals"/>): each
/// header names its piece, so a stripe that stalls (a loss, a congestion control's pause) holds back only its own frames.
/// </summary>
/// <param name="Outgoing">The stripes to the successor, in order; one for an unstriped lane.</param>
/// <param name="IncomingStripe">Waits for the predecessor's stripe with the given index (1 and up) of the set its first stripe belongs to.</param>
/// <param name="RentScratch">Scratch of the given size for one further incoming stripe, returned with the operation's scratch.</param>
internal sealed record StripedHop(
    IReadOnlyList<OutgoingStripe> Outgoing, Func<uint, CancellationToken, Task<EstablishedConnection>> IncomingStripe, Func<int, Memory<byte>> RentScratch)
{
    /// <summary>
    /// The hop over a lane's stripes to the successor: the first sends from <paramref name="sendScratch"/>, each further
    /// one from scratch of <paramref name="scratchBytes"/> rented here and added to <paramref name="rented"/> for the
    /// caller to return; none when the wire sends straight from the buffer (<paramref name="sendScratch"/> null). Further
    /// incoming stripes rent their receive scratch the same way.
    /// </summary>
    public static StripedHop Over(
        IReadOnlyList<RingLink> outgoing, byte[]? sendScratch, int scratchBytes, ScratchPool scratch, List<byte[]> rented,
        LaneTable lanes, ulong previous, uint lane, RingLink incoming)
    {
        var sending = new OutgoingStripe[outgoing.Count];
        for (var i = 0; i < outgoing.Count; i++)
        {
            var stripeSend = sendScratch;
            if (i > 0 && sendScratch is not null)
            {
                stripeSend = scratch.Rent(scratchBytes);
                rented.Add(stripeSend);
            }

            sending[i] = new OutgoingStripe(outgoing[i].Connection, stripeSend);
        }

        return new StripedHop(
            sending,
            async (stripe, token) => (await lanes.GetIncomingStripeAsync(previous, lane, stripe, incoming.StripeSet, token).ConfigureAwait(false)).Connection,
            bytes =>
            {
                var extra = scratch.Rent(bytes);
                rented.Add(extra);
                return extra.AsMemory(0, bytes);
            });
    }
}
