using System.Runtime.CompilerServices;
using Pccl.Protocol.Codec;
using Pccl.Transport;

namespace Pccl.Operations.Collectives;

/// <summary>
/// Reads one operation's frames from the predecessor over the stripes of its lane, in the hop's frame order: frame n
/// from stripe n mod K. The first frame, on the first stripe, says K; the other stripes are taken then. Taking the
/// frames in that fixed order keeps every piece where the schedule expects it, so the reduction order, and the result,
/// do not depend on K. Past the first frame of a striped hop the stripes read ahead of the schedule
/// (<see cref="StripeLookahead"/>) into stages of their own, and each frame is moved to its wire target when the
/// schedule takes it.
/// </summary>
internal sealed class StripedFrameReader
{
    private readonly RingTransfer _transfer;
    private readonly RingWire _wire;
    private readonly int _maxPayload;
    private readonly Action _beforeRead;
    private readonly StripedHop _hop;
    private readonly Func<int, (RingPhase Phase, PieceRef Piece)?> _frameAt;
    private readonly CancellationTokenSource _failFast;
    private OperationFrameReader[] _readers;
    private EstablishedConnection[] _connections;
    private EstablishedConnection _nextInput;
    private StripeLookahead? _lookahead;
    private Exception? _failure;
    private bool _counted;
    private int _frame;

    /// <param name="transfer">The operation; its incoming connection is the first stripe.</param>
    /// <param name="wire">What the operation's pieces look like on the wire.</param>
    /// <param name="maxPayload">The largest payload one of this operation's frames may have.</param>
    /// <param name="beforeRead">Runs before every read (the schedule resumes its senders).</param>
    /// <param name="hop">Takes the predecessor's further stripes and rents their stages.</param>
    /// <param name="frameAt">The phase and piece of the hop's frame with the given number; null past the last.</param>
    /// <param name="failFast">Cancelled when a read ahead fails, so the schedule stops at once instead of at that frame's turn.</param>
    public StripedFrameReader(
        RingTransfer transfer, RingWire wire, int maxPayload, Action beforeRead, StripedHop hop, Func<int, (RingPhase Phase, PieceRef Piece)?> frameAt,
        CancellationTokenSource failFast)
    {
        _failFast = failFast;
        _transfer = transfer;
        _wire = wire;
        _maxPayload = maxPayload;
        _beforeRead = beforeRead;
        _hop = hop;
        _frameAt = frameAt;
        _connections = [transfer.Incoming];
        _readers = [new OperationFrameReader(transfer.Incoming.Stream, transfer, wire, maxPayload, beforeRead)];
        _nextInput = transfer.Incoming;
    }

    /// <summary>Whether bytes wait on the stripe the receive path reads (or is about to read); asked by the senders after every frame.</summary>
    public bool NextInputPending => Volatile.Read(ref _nextInput).InputPending;

    public long BytesReceived => _readers.Sum(r => r.BytesReceived);

    /// <summary>What the first read ahead to fail failed with (it cancelled the operation); null while none has.</summary>
    public Exception? Failure => Volatile.Read(ref _failure);

    /// <summary>Reads the hop's next frame, which must be <paramref name="piece"/> of <paramref name="phase"/>; returns the payload.</summary>
    /// <remarks><paramref name="writesBuffer"/>: as <see cref="OperationFrameReader.ReadPieceAsync"/>'s.</remarks>
    public ValueTask<Memory<byte>> ReadPieceAsync(RingPhase phase, PieceRef piece, bool writesBuffer, CancellationToken ct)
    {
        if (!_counted)
        {
            return ReadFirstAsync(phase, piece, writesBuffer, ct);
        }

        var frame = ++_frame;
        if (_lookahead is null)
        {
            return _readers[0].ReadPieceAsync(phase, piece, writesBuffer, ct);
        }

        Volatile.Write(ref _nextInput, _connections[frame % _connections.Length]);
        return TakeAsync(frame, phase, piece, writesBuffer, ct);
    }

    /// <summary>Waits until no read ahead still writes a stage: call once the operation's token is cancelled.</summary>
    public Task StopAsync() => _lookahead?.StopAsync() ?? Task.CompletedTask;

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<Memory<byte>> TakeAsync(int frame, RingPhase phase, PieceRef piece, bool writesBuffer, CancellationToken ct)
    {
        var read = _lookahead!.TakeAsync(frame, piece, ct);
        _beforeRead();
        var staged = await read.ConfigureAwait(false);
        if (writesBuffer)
        {
            _transfer.Backup?.BeforeWrite(piece);
        }

        // a piece the wire reduces from scratch stays in the stage; one that lands in the buffer moves there
        var target = _wire.ReceiveTarget(phase, piece, staged, staged.Length);
        if (!target.Equals(staged))
        {
            staged.CopyTo(target);
        }

        return target;
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

        first.ExpectedStripes = count;
        _counted = true;
        if (count == 1)
        {
            return payload;
        }

        var more = await Task.WhenAll(Enumerable.Range(1, count - 1).Select(i => _hop.IncomingStripe((uint)i, ct))).ConfigureAwait(false);
        // the first stripe's stage is the receive scratch, free again once the schedule has applied this frame
        var stages = new Memory<byte>[count];
        stages[0] = _transfer.ReceiveScratch;
        for (var i = 1; i < count; i++)
        {
            stages[i] = _hop.RentStage();
        }

        _connections = [_transfer.Incoming, .. more];
        _readers = [first, .. more.Select((c, i) => new OperationFrameReader(c.Stream, _transfer, _wire, _maxPayload, _beforeRead, stages[i + 1]))];
        foreach (var reader in _readers)
        {
            reader.ExpectedStripes = count;
        }

        _lookahead = new StripeLookahead(stages, _frameAt, StageAsync);
        _lookahead.Start(ct);
        return payload;
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<Memory<byte>> StageAsync(int stripe, RingPhase phase, PieceRef piece, Memory<byte> stage, CancellationToken ct)
    {
        try
        {
            return await _readers[stripe].StageAsync(phase, piece, stage, ct).ConfigureAwait(false);
        }
        catch (Exception e) when (!ct.IsCancellationRequested)
        {
            Interlocked.CompareExchange(ref _failure, e, null);
            _ = _failFast.CancelAsync();
            throw;
        }
    }
}
