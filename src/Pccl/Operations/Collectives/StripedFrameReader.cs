using System.Runtime.CompilerServices;
using Pccl.Protocol.Codec;
using Pccl.Transport;

namespace Pccl.Operations.Collectives;

/// <summary>
/// Reads one operation's frames from the predecessor over the stripes of its lane, in the hop's frame order: frame n
/// from stripe n mod K. The first frame, on the first stripe, says K; the other stripes are taken then. Reading in that
/// fixed order keeps every piece where the schedule expects it, so the reduction order, and the result, do not depend
/// on K.
/// </summary>
internal sealed class StripedFrameReader
{
    private readonly RingTransfer _transfer;
    private readonly RingWire _wire;
    private readonly int _maxPayload;
    private readonly Action _beforeRead;
    private readonly Func<uint, CancellationToken, Task<EstablishedConnection>> _incomingStripe;
    private OperationFrameReader[] _readers;
    private EstablishedConnection[] _connections;
    private EstablishedConnection _nextInput;
    private bool _counted;
    private int _next;

    /// <param name="transfer">The operation; its incoming connection is the first stripe.</param>
    /// <param name="wire">What the operation's pieces look like on the wire.</param>
    /// <param name="maxPayload">The largest payload one of this operation's frames may have.</param>
    /// <param name="beforeRead">Runs before every read (the schedule resumes its senders).</param>
    /// <param name="incomingStripe">Takes the predecessor's stripe with the given index.</param>
    public StripedFrameReader(
        RingTransfer transfer, RingWire wire, int maxPayload, Action beforeRead, Func<uint, CancellationToken, Task<EstablishedConnection>> incomingStripe)
    {
        _transfer = transfer;
        _wire = wire;
        _maxPayload = maxPayload;
        _beforeRead = beforeRead;
        _incomingStripe = incomingStripe;
        _connections = [transfer.Incoming];
        _readers = [new OperationFrameReader(transfer.Incoming.Stream, transfer, wire, maxPayload, beforeRead)];
        _nextInput = transfer.Incoming;
    }

    /// <summary>Whether bytes wait on the stripe the receive path reads (or is about to read); asked by the senders after every frame.</summary>
    public bool NextInputPending => Volatile.Read(ref _nextInput).InputPending;

    public long BytesReceived => _readers.Sum(r => r.BytesReceived);

    /// <summary>Reads the hop's next frame, which must be <paramref name="piece"/> of <paramref name="phase"/>; returns the payload.</summary>
    /// <remarks><paramref name="writesBuffer"/>: as <see cref="OperationFrameReader.ReadPieceAsync"/>'s.</remarks>
    public ValueTask<Memory<byte>> ReadPieceAsync(RingPhase phase, PieceRef piece, bool writesBuffer, CancellationToken ct)
    {
        if (!_counted)
        {
            return ReadFirstAsync(phase, piece, writesBuffer, ct);
        }

        var stripe = _next;
        _next = stripe + 1 == _readers.Length ? 0 : stripe + 1;
        Volatile.Write(ref _nextInput, _connections[stripe]);
        return _readers[stripe].ReadPieceAsync(phase, piece, writesBuffer, ct);
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<Memory<byte>> ReadFirstAsync(RingPhase phase, PieceRef piece, bool writesBuffer, CancellationToken ct)
    {
        var first = _readers[0];
        var payload = await first.ReadPieceAsync(phase, piece, writesBuffer, ct).ConfigureAwait(false);
        var count = first.StripeCount;
        if (count is < 1 or > RingStripes.Max)
        {
            throw new ProtocolException($"the predecessor's first frame announces {count} stripes; a lane has 1 to {RingStripes.Max}");
        }

        if (count > 1)
        {
            var more = await Task.WhenAll(Enumerable.Range(1, count - 1).Select(i => _incomingStripe((uint)i, ct))).ConfigureAwait(false);
            _connections = [_transfer.Incoming, .. more];
            _readers = [first, .. more.Select(c => new OperationFrameReader(c.Stream, _transfer, _wire, _maxPayload, _beforeRead))];
        }

        foreach (var reader in _readers)
        {
            reader.ExpectedStripes = count;
        }

        _next = 1 % count;
        _counted = true;
        return payload;
    }
}
