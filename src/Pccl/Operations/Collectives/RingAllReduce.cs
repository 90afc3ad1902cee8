namespace Pccl.Operations.Collectives;

/// <summary>
/// The pipelined ring: reduce-scatter then all-gather, each slice moved in pieces. The piece a peer forwards at step
/// s+1 is exactly the piece it received at step s, so the whole ring is driven by the receive path: step 0's pieces
/// are posted at once, and every received piece is applied and posted onward to the successor right away, piece j+1
/// arriving while piece j is on the wire. Sends go through a <see cref="RingSender"/>, so the receive path never
/// waits for the successor. With <paramref name="only"/> set it runs that half alone (the hierarchical schedule's
/// rings): after the reduce-scatter rank r holds slice r + 1 final, and the all-gather starts from there. Each hop may
/// be striped over several connections (<see cref="StripedHop"/>). Frames are applied in the order they arrive
/// (<see cref="StripeArrivals"/>), which past a striped hop is not the schedule's order even on one connection; every
/// reduction has the same operands in the same ring order for any number of stripes and any arrival order, so the
/// result is bitwise the same.
/// </summary>
internal sealed class RingAllReduce(RingLayout layout, RingWire wire, RingTransfer transfer, StripedHop hop, RingPhase? only = null) : IAllReduceSchedule
{
    public long BytesSent { get; private set; }

    public long BytesReceived { get; private set; }

    private int FirstStep => only == RingPhase.AllGather ? layout.WorldSize - 1 : 0;

    private int EndStep => only == RingPhase.ReduceScatter ? layout.WorldSize - 1 : 2 * (layout.WorldSize - 1);

    /// <summary>Buffer bytes rank <paramref name="rank"/> receives: every slice but its own, then every slice but its successor's.</summary>
    public static long BytesToReceive(RingLayout layout, int rank)
    {
        long all = 0;
        for (var k = 0; k < layout.WorldSize; k++)
        {
            all += layout.SliceBytes(k);
        }

        return layout.WorldSize < 2 ? 0 : (2 * all) - layout.SliceBytes(rank) - layout.SliceBytes(layout.Mod(rank + 1));
    }

    public async Task RunAsync(CancellationToken ct)
    {
        if (layout.WorldSize < 2)
        {
            return;
        }

        using var failFast = CancellationTokenSource.CreateLinkedTokenSource(ct);
        using var successor = new SuccessorWatch(transfer.Outgoing, failFast);
        StripedFrameReader? reader = null;
        var framesToSend = Enumerable.Range(FirstStep, EndStep - FirstStep).Sum(s => layout.PieceCount(Step(s).SendSlice));
        using var sender = new StripedSender(wire, transfer, hop.Outgoing, failFast, () => reader!.NextInputPending, framesToSend);
        reader = new StripedFrameReader(transfer, wire, wire.MaxPayload(layout.PieceElements), sender.Resume, hop);
        try
        {
            var (firstPhase, firstSlice, _) = Step(FirstStep);
            for (var j = 0; j < layout.PieceCount(firstSlice); j++)
            {
                sender.Post(firstPhase, layout.Piece(firstSlice, j));
            }

            // even one stripe's frames come in the order the predecessor received them, when its own hop is striped
            var arrivals = new StripeArrivals(layout, wire, transfer.Backup, ReceivedSteps());
            if (arrivals.Frames > 0)
            {
                await reader.TakeStripesAsync(failFast.Token).ConfigureAwait(false);
                await arrivals.RunAsync(reader.Stripes, reader.DecodeScratch, (frame, payload, decode) => ApplyAsync(frame, payload, decode, sender), failFast)
                    .ConfigureAwait(false);
            }

            sender.Finish();
            await sender.DrainAsync().ConfigureAwait(false);
        }
        catch (Exception e)
        {
            if (!ct.IsCancellationRequested)
            {
                transfer.FaultSite?.LinkBroken();
            }

            // A write still in flight reads the caller's buffer: it must have stopped before the caller restores or
            // unpins it. A write that failed first is the root cause (the receive path then failed because of it).
            await failFast.CancelAsync().ConfigureAwait(false);
            // the receive path has stopped and the sender takes no new piece: start restoring all the input but the
            // pieces still being written, beside the unwinding, the retirement and the report (the driver finishes it)
            transfer.Backup?.StartRestoreAllBut(sender.Reading());
            try
            {
                await sender.DrainAsync().ConfigureAwait(false);
            }
            catch (Exception)
            {
                // reported below if it came first
            }

            if (sender.Failure is { } writeFailure and not OperationCanceledException && !ct.IsCancellationRequested)
            {
                System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(writeFailure);
            }

            if (e is OperationCanceledException && successor.Failure is { } successorGone && !ct.IsCancellationRequested)
            {
                throw successorGone;
            }

            throw;
        }
        finally
        {
            BytesSent = sender.BytesSent;
            BytesReceived = reader.BytesReceived;
        }
    }

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

    /// <summary>For each step this peer receives at, the phase and the slice.</summary>
    private Dictionary<int, (RingPhase Phase, int Slice)> ReceivedSteps()
    {
        var steps = new Dictionary<int, (RingPhase Phase, int Slice)>();
        for (var s = FirstStep; s < EndStep; s++)
        {
            var (phase, _, receiveSlice) = Step(s);
            steps[s] = (phase, receiveSlice);
        }

        return steps;
    }

    /// <summary>Applies a received piece and posts it onward for the next step; striped hops call it from several threads at once.</summary>
    private async ValueTask ApplyAsync(HopFrame frame, Memory<byte> payload, Memory<byte> decodeScratch, StripedSender sender)
    {
        wire.Apply(frame.Phase, frame.Piece, payload, ownerFinal: frame.Step == layout.WorldSize - 2, decodeScratch);
        if (transfer.FaultSite is { } faultSite)
        {
            await faultSite.MovedAsync(frame.Piece.Bytes).ConfigureAwait(false);
        }

        if (frame.Step + 1 < EndStep)
        {
            sender.Post(Step(frame.Step + 1).Phase, frame.Piece);
        }
    }
}
