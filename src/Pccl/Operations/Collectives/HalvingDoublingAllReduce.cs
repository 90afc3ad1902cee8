using System.Runtime.CompilerServices;
using Pccl.Transport;

namespace Pccl.Operations.Collectives;

/// <summary>
/// Recursive halving then doubling (Rabenseifner's all-reduce) for a ring of four, over the ring's own connections
/// used in both directions. A ring of four is a square, and a square is the two-dimensional hypercube: the edges
/// 0–1 and 2–3 form one dimension, 1–2 and 3–0 the other. So each peer exchanges with its <em>first</em> partner
/// (its successor at an even position, its predecessor at an odd one) and its <em>second</em> partner (the other
/// neighbour):
/// <list type="number">
/// <item>reduce-scatter with the first partner: each sends the two slices the other pair keeps, and reduces the two it
/// keeps (its own and its second partner's);</item>
/// <item>reduce-scatter with the second partner: each sends the other's slice and reduces its own, which is then final;</item>
/// <item>all-gather with the second partner: each sends its own final slice;</item>
/// <item>all-gather with the first partner: each sends the two final slices it holds.</item>
/// </list>
/// Each peer sends what it sends in the ring (six quarters of the buffer) in 4 dependent steps instead of 6, and pairs exchange independently of the other pair: with more processes than cores a step waits on
/// one partner instead of on a chain of three (docs/performance.md, "What bounds each number").
/// </summary>
/// <remarks>
/// <para>Bit-identical results: every slice is finished by one peer (its owner, the slice with the peer's position)
/// and copied verbatim by the others, as in the ring; the wires (raw, compressed, quantized) are the ring's.</para>
/// <para>Everything is driven by one receive path that reads both partners in a fixed order — each piece is posted
/// onward the moment it is final for the next step — so no two reductions touch one piece at once. The order each
/// peer reads a partner's stream is the order that partner posts to it: both follow this same schedule.</para>
/// </remarks>
internal sealed class HalvingDoublingAllReduce(RingLayout layout, RingWire wire, RingTransfer first, RingTransfer second) : IAllReduceSchedule
{
    public const int WorldSize = 4;

    /// <summary>The connection the receive path reads next, for the senders' decision to give way (RingSender).</summary>
    private EstablishedConnection? _nextInput;

    public long BytesSent { get; private set; }

    public long BytesReceived { get; private set; }

    /// <summary>
    /// Buffer bytes position <paramref name="self"/> receives: the kept slice and its own in both reduce-scatter steps,
    /// then the first partner's and the one across in the all-gather.
    /// </summary>
    public static long BytesToReceive(RingLayout layout, int self)
    {
        var firstPartner = self ^ 1;
        return (2 * (layout.SliceBytes(SecondPartner(self)) + layout.SliceBytes(self))) + layout.SliceBytes(firstPartner) + layout.SliceBytes(SecondPartner(firstPartner));
    }

    /// <summary>Position of the second partner of position <paramref name="p"/>: the neighbour across the other edge.</summary>
    private static int SecondPartner(int p) => p % 2 == 0 ? (p + 3) % 4 : (p + 1) % 4;

    public async Task RunAsync(CancellationToken ct)
    {
        if (layout.WorldSize != WorldSize)
        {
            throw new InvalidOperationException($"halving-doubling runs on {WorldSize} peers, not {layout.WorldSize}");
        }

        var self = first.Rank;
        var firstPartner = self ^ 1;
        using var failFast = CancellationTokenSource.CreateLinkedTokenSource(ct);
        using var toFirst = new RingSender(wire, first, failFast, NextInputWaiting);
        using var toSecond = new RingSender(wire, second, failFast, NextInputWaiting);
        try
        {
            // the first partner's pair keeps these two slices; its second partner's slice goes first, so that reduced
            // pieces can move on to the second step soonest
            PostSlice(toFirst, RingPhase.ReduceScatter, SecondPartner(firstPartner));
            PostSlice(toFirst, RingPhase.ReduceScatter, firstPartner);
            await ReceiveAsync(toFirst, toSecond, failFast.Token).ConfigureAwait(false);
            toFirst.Finish();
            toSecond.Finish();
            await Task.WhenAll(toFirst.DrainAsync(), toSecond.DrainAsync()).ConfigureAwait(false);
        }
        catch (Exception)
        {
            if (!ct.IsCancellationRequested)
            {
                first.FaultSite?.LinkBroken();
            }

            // Writes still in flight read the caller's buffer: they must have stopped before the caller restores or
            // unpins it. A write that failed first is the root cause (the receive path then failed because of it).
            await failFast.CancelAsync().ConfigureAwait(false);
            foreach (var sender in new[] { toFirst, toSecond })
            {
                try
                {
                    await sender.DrainAsync().ConfigureAwait(false);
                }
                catch (Exception)
                {
                    // reported below if it came first
                }
            }

            var writeFailure = new[] { toFirst.Failure, toSecond.Failure }.FirstOrDefault(f => f is not null and not OperationCanceledException);
            if (writeFailure is not null && !ct.IsCancellationRequested)
            {
                System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(writeFailure);
            }

            throw;
        }
        finally
        {
            BytesSent = toFirst.BytesSent + toSecond.BytesSent;
        }
    }

    private async Task ReceiveAsync(RingSender toFirst, RingSender toSecond, CancellationToken ct)
    {
        var self = first.Rank;
        var firstPartner = self ^ 1;
        var kept = SecondPartner(self);
        var maxPayload = wire.MaxPayload(layout.PieceElements);
        // which connection comes next is published before the senders resume, so a sender never gives way on a stale one
        void ReadingFrom(EstablishedConnection next)
        {
            Volatile.Write(ref _nextInput, next);
            toFirst.Resume();
            toSecond.Resume();
        }

        var fromFirst = new OperationFrameReader(first.Incoming.Stream, first, wire, maxPayload, () => ReadingFrom(first.Incoming));
        var fromSecond = new OperationFrameReader(second.Incoming.Stream, second, wire, maxPayload, () => ReadingFrom(second.Incoming));
        try
        {
            // 1. reduce-scatter with the first partner: the second partner's slice (then sent on to it), then our own
            for (var j = 0; j < layout.PieceCount(kept); j++)
            {
                var piece = await ReduceAsync(fromFirst, kept, j, ownerFinal: false, ct).ConfigureAwait(false);
                toSecond.Post(RingPhase.ReduceScatter, piece);
            }

            for (var j = 0; j < layout.PieceCount(self); j++)
            {
                await ReduceAsync(fromFirst, self, j, ownerFinal: false, ct).ConfigureAwait(false);
            }

            // 2. reduce-scatter with the second partner: our own slice is final, and goes out to both partners
            for (var j = 0; j < layout.PieceCount(self); j++)
            {
                var piece = await ReduceAsync(fromSecond, self, j, ownerFinal: true, ct).ConfigureAwait(false);
                toSecond.Post(RingPhase.AllGather, piece);
                toFirst.Post(RingPhase.AllGather, piece);
            }

            // 3. all-gather with the second partner: its final slice, passed on to the first partner
            for (var j = 0; j < layout.PieceCount(kept); j++)
            {
                var piece = await GatherAsync(fromSecond, kept, j, ct).ConfigureAwait(false);
                toFirst.Post(RingPhase.AllGather, piece);
            }

            // 4. all-gather with the first partner: its final slice, then its second partner's
            for (var j = 0; j < layout.PieceCount(firstPartner); j++)
            {
                await GatherAsync(fromFirst, firstPartner, j, ct).ConfigureAwait(false);
            }

            var across = SecondPartner(firstPartner);
            for (var j = 0; j < layout.PieceCount(across); j++)
            {
                await GatherAsync(fromFirst, across, j, ct).ConfigureAwait(false);
            }
        }
        finally
        {
            BytesReceived = fromFirst.BytesReceived + fromSecond.BytesReceived;
        }
    }

    private bool NextInputWaiting() => Volatile.Read(ref _nextInput) is { InputPending: true };

    private void PostSlice(RingSender sender, RingPhase phase, int slice)
    {
        for (var j = 0; j < layout.PieceCount(slice); j++)
        {
            sender.Post(phase, layout.Piece(slice, j));
        }
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<PieceRef> ReduceAsync(OperationFrameReader reader, int slice, int j, bool ownerFinal, CancellationToken ct)
    {
        var piece = layout.Piece(slice, j);
        var payload = await reader.ReadPieceAsync(RingPhase.ReduceScatter, piece, writesBuffer: true, ct).ConfigureAwait(false);
        wire.Apply(RingPhase.ReduceScatter, piece, payload, ownerFinal, first.DecodeScratch);
        if (first.FaultSite is { } faultSite)
        {
            await faultSite.MovedAsync(piece.Bytes).ConfigureAwait(false);
        }
        return piece;
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<PieceRef> GatherAsync(OperationFrameReader reader, int slice, int j, CancellationToken ct)
    {
        var piece = layout.Piece(slice, j);
        var payload = await reader.ReadPieceAsync(RingPhase.AllGather, piece, writesBuffer: true, ct).ConfigureAwait(false);
        wire.Apply(RingPhase.AllGather, piece, payload, ownerFinal: false, first.DecodeScratch);
        if (first.FaultSite is { } faultSite)
        {
            await faultSite.MovedAsync(piece.Bytes).ConfigureAwait(false);
        }
        return piece;
    }
}
