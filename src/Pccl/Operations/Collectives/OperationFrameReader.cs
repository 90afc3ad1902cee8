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
    /// successor has the partial sum the piece's backup slot held (<see cref="PartialSums"/>).</param>
    /// <param name="ct">Cancels the read.</param>
    /// <remarks>Runs once per piece, so its state machine comes from a pool, as do those of the reads under it.</remarks>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    public async ValueTask<Memory<byte>> ReadPieceAsync(RingPhase phase, PieceRef piece, bool writesBuffer, CancellationToken ct)
    {
        var frame = await ReadHeaderAsync(ct).ConfigureAwait(false);
        if (frame.Kind != phase.FrameKind() || frame.Piece != (uint)piece.Index || (wire.FixedLength && frame.Length != wire.PayloadLength(piece)))
        {
            throw new ProtocolException(
                $"ring frame out of step: expected {phase.FrameKind()} piece {piece.Index} of {wire.PayloadLength(piece)} bytes, " +
                $"got {frame.Kind} piece {frame.Piece} of {frame.Length} bytes");
        }

        StripeCount = RingStripes.CountOf(frame);
        if (ExpectedStripes != 0 && StripeCount != ExpectedStripes)
        {
            throw new ProtocolException($"ring frame out of step: piece {piece.Index} announces {StripeCount} stripes, the operation's first frame {ExpectedStripes}");
        }

        if (writesBuffer)
        {
            transfer.Backup?.BeforeWrite(piece);
        }

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
