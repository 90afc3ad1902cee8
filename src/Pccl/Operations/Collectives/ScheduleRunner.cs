using System.Diagnostics;
using Pccl.Operations.Collectives.Hierarchical;
using Pccl.Operations.Collectives.Kernels;
using Pccl.Operations.Faults;
using Pccl.Operations.Session;
using Pccl.Protocol.Messages;

namespace Pccl.Operations.Collectives;

/// <summary>
/// Runs one started all-reduce's data movement: chooses the schedule, the layout and the wire, rents the scratch
/// memory, takes the lanes to both neighbours, runs the schedule and tells the master this peer is done.
/// </summary>
internal sealed class ScheduleRunner(PeerSession session, ScratchPool scratch)
{
    private readonly RingHints _hints = new(session.Logger);
    private readonly LaneRestriping _restriping = new(session);

    /// <summary>Which flat schedule runs: every peer decides alike, from the master's ring and the descriptor the master checked.</summary>
    public static AllReduceAlgorithm ScheduleFor(CollectiveDescriptor descriptor, int world) =>
        descriptor.Algorithm is CollectiveAlgorithm.Auto or CollectiveAlgorithm.HalvingDoubling && world == HalvingDoublingAllReduce.WorldSize
            ? AllReduceAlgorithm.HalvingDoubling
            : AllReduceAlgorithm.Ring;

    public async Task<(IAllReduceSchedule, AllReduceAlgorithm)> RunAsync(CollectiveCall call, CollectiveStart start, CollectiveDescriptor descriptor, Memory<byte> buffer, InputBackup? backup, CancellationToken ct)
    {
        var peerId = session.PeerId;
        var world = start.Ring.Count;
        var rank = start.Ring.IndexOf(peerId);
        if (rank < 0)
        {
            throw new PcclException(PcclErrorCode.InvalidState, $"the master started tag {start.Tag} on a ring without this peer ({peerId})");
        }

        using var linked = CancellationTokenSource.CreateLinkedTokenSource(ct, call.Aborted);
        if (start.Hierarchy.Count > 0)
        {
            var hierarchy = new HierarchicalAllReduce(session, scratch, start, descriptor, buffer, backup);
            if (session.FaultInjector is { } injector)
            {
                hierarchy.FaultSite = new RingFaultSite(injector, start.Sequence, hierarchy.BytesToReceive(), session.BreakRingLinksAsync);
                await injector.RingStartedAsync(hierarchy.FaultSite).ConfigureAwait(false);
            }

            await hierarchy.RunAsync(linked.Token).ConfigureAwait(false);
            call.MarkDataMoved(hierarchy, AllReduceAlgorithm.Hierarchical);
            await ReportDoneAsync(start, ct, hierarchy.Crossings.Rates()).ConfigureAwait(false);
            return (hierarchy, AllReduceAlgorithm.Hierarchical);
        }

        var next = start.Ring[(rank + 1) % world];
        var previous = start.Ring[(rank + world - 1) % world];
        var algorithm = ScheduleFor(descriptor, world);
        var layout = new RingLayout((long)descriptor.ElementCount, ReduceKernels.ElementSize(descriptor.DataType), world, session.Options.RingChunkSize);
        var storeBytes = WireFactory.StoreBytes(descriptor, layout);
        var store = storeBytes > 0 ? scratch.Rent(storeBytes) : null;
        // the ring keeps its partial sums and its owned finals in the backup's store, so a failure restores only what the all-gather wrote
        var apart = algorithm == AllReduceAlgorithm.Ring && backup is not null ? backup.KeepApart(layout.TotalPieces) : null;
        var wire = WireFactory.Create(descriptor, buffer, world, layout, store, apart);
        var scratchBytes = Math.Max(wire.MaxPayload(layout.PieceElements), layout.PieceBytes);
        // only the scratch the wire writes into: a raw wire sends from the buffer and reduces where it received
        var sendScratch = wire.SendsFromScratch ? scratch.Rent(scratchBytes) : null;
        var secondSendScratch = wire.SendsFromScratch && algorithm == AllReduceAlgorithm.HalvingDoubling ? scratch.Rent(scratchBytes) : null;
        var receiveScratch = scratch.Rent(scratchBytes);
        var decodeScratch = wire.DecodesIntoScratch ? scratch.Rent(layout.PieceBytes) : null;
        List<byte[]> stripeScratch = [];
        try
        {
            var nextPeer = session.World.Peer(next) ?? throw new PcclException(PcclErrorCode.PeerLost, $"ring successor {next} is no longer in the world", true) { LostPeerId = next };
            var outgoing = await session.Lanes.GetOutgoingAsync(nextPeer, start.Lane, start.Sequence, linked.Token).ConfigureAwait(false);
            var incoming = await session.Lanes.GetIncomingAsync(previous, start.Lane, linked.Token).ConfigureAwait(false);
            var faults = session.FaultInjector;
            // halving-doubling uses each link both ways, so only the first stripe: the other side could not tell how many to write on
            var stripes = algorithm == AllReduceAlgorithm.HalvingDoubling ? outgoing[..1] : outgoing[.._restriping.InUse(next, outgoing)];
            var pacedFrom = algorithm == AllReduceAlgorithm.Ring ? _restriping.PaceFor(next, stripes) : null;
            var faultSite = faults is null ? null : new RingFaultSite(faults, start.Sequence, algorithm == AllReduceAlgorithm.HalvingDoubling
                ? HalvingDoublingAllReduce.BytesToReceive(layout, rank)
                : RingAllReduce.BytesToReceive(layout, rank), session.BreakRingLinksAsync)
            {
                Stripes = stripes.Length,
                StreamCutter = () => stripes[^1].Connection.Abort("one stream of the lane cut by fault injection"),
            };
            var transfer = new RingTransfer(rank, start.Tag, start.Sequence, outgoing[0].Connection, incoming.Connection, sendScratch, receiveScratch, decodeScratch, backup)
            {
                FaultSite = faultSite,
            };
            IAllReduceSchedule schedule;
            if (algorithm == AllReduceAlgorithm.HalvingDoubling)
            {
                // both links carry data both ways; the first partner is the successor at an even position
                var (firstLink, secondLink) = rank % 2 == 0 ? (outgoing[0], incoming) : (incoming, outgoing[0]);
                var first = transfer with { Outgoing = firstLink.Connection, Incoming = firstLink.Connection };
                var second = transfer with
                {
                    Outgoing = secondLink.Connection, Incoming = secondLink.Connection, SendScratch = secondSendScratch,
                };
                schedule = new HalvingDoublingAllReduce(layout, wire, first, second);
            }
            else
            {
                var hop = StripedHop.Over(stripes, sendScratch, scratchBytes, scratch, stripeScratch, session.Lanes, previous, start.Lane, incoming);
                schedule = new RingAllReduce(layout, wire, transfer, hop);
            }

            if (faults is not null)
            {
                await faults.RingStartedAsync(faultSite!).ConfigureAwait(false);
            }

            var moving = Stopwatch.StartNew();
            try
            {
                await schedule.RunAsync(linked.Token).ConfigureAwait(false);
            }
            finally
            {
                if (pacedFrom is not null)
                {
                    StripePace.Apply(stripes, null);
                }
            }

            var elapsed = moving.Elapsed;
            call.MarkDataMoved(schedule, algorithm);
            await ReportDoneAsync(start, ct).ConfigureAwait(false);
            if (algorithm == AllReduceAlgorithm.Ring)
            {
                var path = outgoing[0].Connection.MeasurePath();
                _hints.AfterRing(layout, session.Options.RingChunkSize, session.Options.Region, elapsed, path);
                await _restriping.AfterRingAsync(next, start.Lane, schedule.BytesSent, elapsed, path, stripes.Length, outgoing.Length, pacedFrom).ConfigureAwait(false);
            }

            return (schedule, algorithm);
        }
        finally
        {
            foreach (var rented in new[] { sendScratch, secondSendScratch, receiveScratch, decodeScratch, store })
            {
                if (rented is not null)
                {
                    scratch.Return(rented);
                }
            }

            foreach (var extra in stripeScratch)
            {
                scratch.Return(extra);
            }
        }
    }

    private ValueTask ReportDoneAsync(CollectiveStart start, CancellationToken ct, IEnumerable<CrossingRate>? crossings = null)
    {
        var done = new CollectiveDone { Tag = start.Tag, Sequence = start.Sequence, Success = true };
        done.Crossings.AddRange(crossings ?? []);
        return session.Link.SendAsync(new ControlMessage { CollectiveDone = done }, ct);
    }
}
