using System.Runtime.CompilerServices;
using Pccl.Protocol.Codec;

namespace Pccl.Operations.Collectives;

/// <summary>
/// Reads one operation's data frames from a neighbour's stream in the order the schedule expects them, skipping whole
/// frames left over from an aborted earlier operation on the same connection.
/// </summary>
/// <param name="incoming">The neighbour's stream.</param>
/// <param name="transfer">The operation's tag, sequence and scratch memory (the receive scratch doubles as the skip sink).</param>
/// <param name="wire">What the operation's pieces look like on the wire, and where each is read to.</param>
/// <param name="maxPayload">The largest payload one of this operation's frames may have.</param>
/// <param name="beforeRead">Runs before every read: the schedule resumes its senders, so it never waits for input with
/// pieces left unwritten.</param>
internal sealed class OperationFrameReader(Stream incoming, RingTransfer transfer, RingWire wire, int maxPayload, Action beforeRead)
{
    /// <summary>
    /// Frames of an earlier, aborted operation may be larger than this one's pieces; they are read with this bound and
    /// skipped, and only this operation's frames must fit its pieces.
    /// </summary>
    private const int LargestFrame = 1 << 30;

    private readonly byte[] _header = new byte[DataFrameHeader.Size];
    private DataFrameHeader? _pending;

    public long BytesReceived { get; private set; }

    /// <summary>How many stripes the latest frame of this operation announced (<see cref="RingStripes"/>).</summary>
    public int StripeCount { get; private set; }

    /// <summary>The stripe count every frame must announce, once the first frame told it; 0 accepts any.</summary>
    public int ExpectedStripes { get; set; }

    /// <summary>Reads the next piece, which must be <paramref name="piece"/> of <paramref name="phase"/>, into its wire target; returns the payload.</summary>
    /// <param name="phase">The half of the operation the frame belongs to.</param>
    /// <param name="piece">The piece the frame must carry.</param>
    /// <param name="writesBuffer">Whether the piece will be written into the caller's buffer, so the backup saves its
    /// input once the frame has arrived. Not before: in the ring a final value's arrival is what proves that the
    /// successor has the partial sum the piece's backup slot held (<see cref="ValuesKeptApart"/>).</param>
    /// <param name="ct">Cancels the read.</param>
    /// <remarks>Runs once per piece, so its state machine comes from a pool, as do those of the reads under it.</remarks>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    public async ValueTask<Memory<byte>> ReadPieceAsync(RingPhase phase, PieceRef piece, bool writesBuffer, CancellationToken ct)
    {
        var frame = await NextHeaderAsync(ct).ConfigureAwait(false);
        if (frame.Kind != phase.FrameKind() || frame.Piece != (uint)piece.Index || (wire.FixedLength && frame.Length != wire.PayloadLength(piece)))
        {
            throw new ProtocolException(
                $"ring frame out of step: expected {phase.FrameKind()} piece {piece.Index} of {wire.PayloadLength(piece)} bytes, " +
                $"got {frame.Kind} piece {frame.Piece} of {frame.Length} bytes");
        }

        CheckStripes(frame);
        if (writesBuffer)
        {
            transfer.Backup?.BeforeWrite(piece);
        }

        return await ReadPayloadAsync(frame, phase, piece, ct).ConfigureAwait(false);
    }

    /// <summary>
    /// Reads the next frame of a stripe whose frames come in any order: <paramref name="admit"/> says which of the hop's
    /// pieces the header names (and saves what the piece will overwrite), or throws for a frame the hop does not expect.
    /// </summary>
    /// <returns>The piece and its payload; null at the stripe's <see cref="DataFrameKind.StripeEnd"/>.</returns>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    public async ValueTask<(HopFrame Frame, Memory<byte> Payload)?> ReadAnyPieceAsync(Func<DataFrameHeader, HopFrame> admit, CancellationToken ct)
    {
        var header = await NextHeaderAsync(ct).ConfigureAwait(false);
        CheckStripes(header);
        if (header.Kind == DataFrameKind.StripeEnd)
        {
            return header.Length == 0 ? null : throw new ProtocolException($"a stripe's end frame carries {header.Length} bytes; it has none");
        }

        var frame = admit(header);
        if (wire.FixedLength && header.Length != wire.PayloadLength(frame.Piece))
        {
            throw new ProtocolException($"ring frame {header.Kind} piece {header.Piece} is {header.Length} bytes; the piece is {wire.PayloadLength(frame.Piece)}");
        }

        return (frame, await ReadPayloadAsync(header, frame.Phase, frame.Piece, ct).ConfigureAwait(false));
    }

    /// <summary>Reads the next header of this operation and keeps it for the next read, which then starts with it (how the first frame tells the stripe count).</summary>
    public async ValueTask<DataFrameHeader> PeekHeaderAsync(CancellationToken ct)
    {
        _pending ??= await ReadHeaderAsync(ct).ConfigureAwait(false);
        return _pending.Value;
    }

    private ValueTask<DataFrameHeader> NextHeaderAsync(CancellationToken ct)
    {
        if (_pending is { } pending)
        {
            _pending = null;
            return ValueTask.FromResult(pending);
        }

        return ReadHeaderAsync(ct);
    }

    private void CheckStripes(DataFrameHeader frame)
    {
        StripeCount = RingStripes.CountOf(frame);
        if (ExpectedStripes != 0 && StripeCount != ExpectedStripes)
        {
            throw new ProtocolException($"ring frame out of step: piece {frame.Piece} announces {StripeCount} stripes, the operation's first frame {ExpectedStripes}");
        }
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<Memory<byte>> ReadPayloadAsync(DataFrameHeader frame, RingPhase phase, PieceRef piece, CancellationToken ct)
    {
        var target = wire.ReceiveTarget(phase, piece, transfer.ReceiveScratch, frame.Length);
        beforeRead();
        await ReadExactlyAsync(target, ct).ConfigureAwait(false);
        BytesReceived += target.Length;
        return target;
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<DataFrameHeader> ReadHeaderAsync(CancellationToken ct)
    {
        while (true)
        {
            beforeRead();
            await ReadExactlyAsync(_header, ct).ConfigureAwait(false);
            var frame = DataFrameHeader.Read(_header, LargestFrame);
            if (frame.Sequence == transfer.Sequence && frame.Tag == transfer.Tag)
            {
                return frame.Length <= maxPayload ? frame
                    : throw new ProtocolException($"data frame length {frame.Length} outside 0..{maxPayload}");
            }

            if (frame.Sequence > transfer.Sequence)
            {
                throw new ProtocolException($"ring frame of future operation {frame.Sequence} while running {transfer.Sequence}");
            }

            await SkipAsync(frame.Length, ct).ConfigureAwait(false);
        }
    }

    private async ValueTask SkipAsync(int length, CancellationToken ct)
    {
        var sink = transfer.ReceiveScratch;
        while (length > 0)
        {
            var chunk = sink[..Math.Min(length, sink.Length)];
            await ReadExactlyAsync(chunk, ct).ConfigureAwait(false);
            length -= chunk.Length;
        }
    }

    /// <summary>As <see cref="Stream.ReadExactlyAsync(Memory{byte}, CancellationToken)"/>, without allocating when a read has to wait.</summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    private async ValueTask ReadExactlyAsync(Memory<byte> target, CancellationToken ct)
    {
        while (!target.IsEmpty)
        {
            var read = await incoming.ReadAsync(target, ct).ConfigureAwait(false);
            if (read == 0)
            {
                throw new EndOfStreamException("the ring neighbour closed the connection while this peer was reading its frames");
            }

            target = target[read..];
        }
    }
}
