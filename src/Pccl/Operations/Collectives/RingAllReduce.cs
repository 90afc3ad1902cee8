using System.Threading.Channels;
using Pccl.Protocol.Codec;

namespace Pccl.Operations.Collectives;

/// <summary>
/// The pipelined ring: reduce-scatter then all-gather, each slice moved in pieces. A send loop and a receive loop run
/// at once; the sender forwards piece j of a slice as soon as the receiver has reduced piece j of that slice, so
/// piece j+1 is on the wire while piece j is being reduced.
/// </summary>
internal sealed class RingAllReduce(RingLayout layout, RingWire wire, RingTransfer transfer) : IDisposable
{
    private readonly SemaphoreSlim _reduced = new(0);

    public long BytesSent { get; private set; }

    public long BytesReceived { get; private set; }

    public async Task RunAsync(CancellationToken ct)
    {
        using var failFast = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var send = Guard(SendLoopAsync(failFast.Token), failFast);
        var receive = Guard(ReceiveLoopAsync(failFast.Token), failFast);
        await Task.WhenAll(send, receive).ConfigureAwait(false);
    }

    /// <summary>When one loop fails the other is cancelled at once, so a broken link never waits for a timeout.</summary>
    private static async Task Guard(Task loop, CancellationTokenSource failFast)
    {
        try
        {
            await loop.ConfigureAwait(false);
        }
        catch
        {
            await failFast.CancelAsync().ConfigureAwait(false);
            throw;
        }
    }

    public void Dispose() => _reduced.Dispose();

    private int Steps => 2 * (layout.WorldSize - 1);

    private (RingPhase Phase, int SendSlice, int ReceiveSlice) Step(int s)
    {
        var r = transfer.Rank;
        if (s < layout.WorldSize - 1)
        {
            return (RingPhase.ReduceScatter, layout.Mod(r - s), layout.Mod(r - s - 1));
        }

        var t = s - (layout.WorldSize - 1);
        return (RingPhase.AllGather, layout.Mod(r - t + 1), layout.Mod(r - t));
    }

    private async Task SendLoopAsync(CancellationToken ct)
    {
        var header = new byte[DataFrameHeader.Size];
        for (var s = 0; s < Steps; s++)
        {
            var (phase, slice, _) = Step(s);
            for (var j = 0; j < layout.PieceCount(slice); j++)
            {
                if (s > 0)
                {
                    await _reduced.WaitAsync(ct).ConfigureAwait(false);
                }

                var piece = layout.Piece(slice, j);
                var payload = wire.SendPayload(phase, piece, transfer.SendScratch);
                new DataFrameHeader(Kind(phase), 0, transfer.Tag, transfer.Sequence, (uint)piece.Index, payload.Length).Write(header);
                await transfer.Outgoing.WriteAsync(header, ct).ConfigureAwait(false);
                await transfer.Outgoing.WriteAsync(payload, ct).ConfigureAwait(false);
                BytesSent += payload.Length;
            }
        }
    }

    /// <summary>
    /// Reads pieces into two alternating scratch buffers while a second task applies them, so piece k+1 is read
    /// while piece k is reduced. Pieces are applied in arrival order, and a buffer is reused only after its piece
    /// was applied.
    /// </summary>
    private async Task ReceiveLoopAsync(CancellationToken ct)
    {
        using var applyFailed = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var free = Channel.CreateBounded<Memory<byte>>(2);
        free.Writer.TryWrite(transfer.ReceiveScratch);
        free.Writer.TryWrite(transfer.SpareReceiveScratch);
        var work = Channel.CreateBounded<ReceivedPiece>(new BoundedChannelOptions(2) { SingleReader = true, SingleWriter = true });
        var apply = Guard(ApplyLoopAsync(work.Reader, free.Writer, applyFailed.Token), applyFailed);
        try
        {
            var header = new byte[DataFrameHeader.Size];
            var maxPayload = wire.MaxPayload(layout.PieceElements);
            for (var s = 0; s < Steps; s++)
            {
                var (phase, _, receiveSlice) = Step(s);
                var ownerFinal = s == layout.WorldSize - 2;
                for (var j = 0; j < layout.PieceCount(receiveSlice); j++)
                {
                    var piece = layout.Piece(receiveSlice, j);
                    var frame = await ReadHeaderAsync(header, maxPayload, applyFailed.Token).ConfigureAwait(false);
                    if (frame.Kind != Kind(phase) || frame.Piece != (uint)piece.Index || (wire.FixedLength && frame.Length != wire.PayloadLength(piece)))
                    {
                        throw new ProtocolException(
                            $"ring frame out of step: expected {Kind(phase)} piece {piece.Index} of {wire.PayloadLength(piece)} bytes, " +
                            $"got {frame.Kind} piece {frame.Piece} of {frame.Length} bytes");
                    }

                    var scratch = await free.Reader.ReadAsync(applyFailed.Token).ConfigureAwait(false);
                    var target = wire.ReceiveTarget(phase, piece, scratch, frame.Length);
                    await transfer.Incoming.ReadExactlyAsync(target, applyFailed.Token).ConfigureAwait(false);
                    BytesReceived += target.Length;
                    await work.Writer.WriteAsync(new ReceivedPiece(phase, piece, target, ownerFinal, scratch), applyFailed.Token).ConfigureAwait(false);
                }
            }
        }
        catch
        {
            // The apply task writes into the caller's buffer: it must have stopped before this operation reports its
            // failure, or it could change the buffer after the backup was restored.
            work.Writer.TryComplete();
            await applyFailed.CancelAsync().ConfigureAwait(false);
            try
            {
                await apply.ConfigureAwait(false);
            }
            catch (Exception)
            {
                // the reader's failure is the one to report
            }

            throw;
        }

        work.Writer.TryComplete();
        await apply.ConfigureAwait(false);
    }

    private async Task ApplyLoopAsync(ChannelReader<ReceivedPiece> work, ChannelWriter<Memory<byte>> free, CancellationToken ct)
    {
        await foreach (var received in work.ReadAllAsync(ct).ConfigureAwait(false))
        {
            wire.Apply(received.Phase, received.Piece, received.Payload, received.OwnerFinal, transfer.DecodeScratch);
            _reduced.Release();
            free.TryWrite(received.Scratch);
        }
    }

    private readonly record struct ReceivedPiece(RingPhase Phase, PieceRef Piece, Memory<byte> Payload, bool OwnerFinal, Memory<byte> Scratch);

    /// <summary>Reads the next header of this operation, skipping whole frames left over from an aborted earlier one.</summary>
    private async ValueTask<DataFrameHeader> ReadHeaderAsync(byte[] header, int maxPayload, CancellationToken ct)
    {
        while (true)
        {
            await transfer.Incoming.ReadExactlyAsync(header, ct).ConfigureAwait(false);
            var frame = DataFrameHeader.Read(header, maxPayload);
            if (frame.Sequence == transfer.Sequence && frame.Tag == transfer.Tag)
            {
                return frame;
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
        // not the receive scratch: the apply task may still be reading a piece from it
        var sink = new byte[Math.Min(length, 64 * 1024)];
        while (length > 0)
        {
            var chunk = sink.AsMemory(0, Math.Min(length, sink.Length));
            await transfer.Incoming.ReadExactlyAsync(chunk, ct).ConfigureAwait(false);
            length -= chunk.Length;
        }
    }

    private static DataFrameKind Kind(RingPhase phase) =>
        phase == RingPhase.ReduceScatter ? DataFrameKind.ReduceScatter : DataFrameKind.AllGather;
}

/// <summary>The connections, identity and scratch memory one ring operation runs with.</summary>
internal sealed record RingTransfer(
    int Rank,
    uint Tag,
    ulong Sequence,
    Stream Outgoing,
    Stream Incoming,
    Memory<byte> SendScratch,
    Memory<byte> ReceiveScratch,
    Memory<byte> SpareReceiveScratch,
    Memory<byte> DecodeScratch);
