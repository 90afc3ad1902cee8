using Pccl.Protocol.Codec;
using Pccl.Transport;

namespace Pccl.Operations.Collectives;

/// <summary>
/// The predecessor's side of one ring hop: its first stripe, and once the first frame has said how many stripes the
/// predecessor spreads the operation over (<see cref="TakeStripesAsync"/>), the others, each with a reader and scratch
/// of its own, all read as their frames arrive (<see cref="StripeArrivals"/>).
/// </summary>
internal sealed class StripedFrameReader
{
    private readonly RingTransfer _transfer;
    private readonly RingWire _wire;
    private readonly int _maxPayload;
    private readonly Action _beforeRead;
    private readonly StripedHop _hop;
    private OperationFrameReader[] _readers;
    private Memory<byte>[] _decodeScratch;

    /// <param name="transfer">The operation; its incoming connection is the first stripe, its scratch the first stripe's.</param>
    /// <param name="wire">What the operation's pieces look like on the wire.</param>
    /// <param name="maxPayload">The largest payload one of this operation's frames may have.</param>
    /// <param name="beforeRead">Runs before every read (the schedule resumes its senders).</param>
    /// <param name="hop">Takes the predecessor's further stripes and rents their scratch.</param>
    public StripedFrameReader(RingTransfer transfer, RingWire wire, int maxPayload, Action beforeRead, StripedHop hop)
    {
        _transfer = transfer;
        _wire = wire;
        _maxPayload = maxPayload;
        _beforeRead = beforeRead;
        _hop = hop;
        _readers = [new OperationFrameReader(transfer.Incoming.Stream, transfer, wire, maxPayload, beforeRead)];
        _decodeScratch = [transfer.DecodeScratch];
    }

    /// <summary>
    /// Whether bytes wait on the one stripe the receive path reads next; asked by the senders after every frame. Several
    /// stripes are read beside the senders, not in turn with them, so then never.
    /// </summary>
    public bool NextInputPending => _readers.Length == 1 && _transfer.Incoming.InputPending;

    public long BytesReceived => _readers.Sum(r => r.BytesReceived);

    /// <summary>The stripes' readers, the first stripe's first.</summary>
    public IReadOnlyList<OperationFrameReader> Stripes => _readers;

    /// <summary>The scratch a stripe's pieces are decoded into (<see cref="RingWire.Apply"/>).</summary>
    public Memory<byte> DecodeScratch(int stripe) => _decodeScratch[stripe];

    /// <summary>
    /// Reads the first frame's header (it stays for the first read) and takes the further stripes it announces, so that
    /// <see cref="Stripes"/> holds them all. Call once, before any read, and only when the hop has frames to receive.
    /// </summary>
    public async ValueTask TakeStripesAsync(CancellationToken ct)
    {
        var first = _readers[0];
        var count = RingStripes.CountOf(await first.PeekHeaderAsync(ct).ConfigureAwait(false));
        if (count is < 1 or > RingStripes.Max)
        {
            throw new ProtocolException($"the predecessor's first frame announces {count} stripes; a lane has 1 to {RingStripes.Max}");
        }

        if (count > 1)
        {
            var more = await Task.WhenAll(Enumerable.Range(1, count - 1).Select(i => _hop.IncomingStripe((uint)i, ct))).ConfigureAwait(false);
            var readers = new OperationFrameReader[count];
            var decode = new Memory<byte>[count];
            readers[0] = first;
            decode[0] = _transfer.DecodeScratch;
            for (var i = 1; i < count; i++)
            {
                var own = _transfer with { Incoming = more[i - 1], ReceiveScratch = _hop.RentScratch(_transfer.ReceiveScratch.Length) };
                readers[i] = new OperationFrameReader(own.Incoming.Stream, own, _wire, _maxPayload, _beforeRead);
                decode[i] = _transfer.DecodeScratch.IsEmpty ? default : _hop.RentScratch(_transfer.DecodeScratch.Length);
            }

            _readers = readers;
            _decodeScratch = decode;
        }

        foreach (var reader in _readers)
        {
            reader.ExpectedStripes = count;
        }
    }
}
