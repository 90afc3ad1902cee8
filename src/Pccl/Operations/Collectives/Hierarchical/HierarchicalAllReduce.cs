using System.Diagnostics;
using System.Runtime.ExceptionServices;
using Microsoft.Extensions.Logging;
using Pccl.Master.Core.Hierarchy;
using Pccl.Operations.Collectives.Kernels;
using Pccl.Operations.Faults;
using Pccl.Operations.Session;
using Pccl.Protocol.Messages;
using Pccl.Telemetry;

namespace Pccl.Operations.Collectives.Hierarchical;

/// <summary>
/// Runs the rings of the master's hierarchy (<see cref="CollectiveStart.Hierarchy"/>) that this peer is a member of,
/// each with the ring's own code (<see cref="RingAllReduce"/>) on the stage's elements: a reduce-scatter or an
/// all-gather inside a region group on the raw wire, an all-reduce among a segment's owners across groups on the
/// operation's own wire (quantization and compression apply there alone). An average is divided once, by the whole
/// group's size, where each segment's all-reduce finishes it; the all-gathers copy it verbatim. Rings start as
/// <see cref="StageOrder"/> allows, so a pipelined plan's crossing of one chunk overlaps the regions' work on the
/// others; the first ring to fail stops the rest, and its failure is the operation's.
/// </summary>
/// <remarks>The input backup saves the elements of each ring before the ring starts, in pieces numbered over the whole
/// buffer (the stages' own pieces are numbered per stage, so the ring's copy-on-write bookkeeping cannot tell them
/// apart); the first ring over any element saves it, and the copying of later chunks runs while earlier ones cross,
/// not as one pass over the whole buffer before the first byte moves.</remarks>
internal sealed class HierarchicalAllReduce(PeerSession session, ScratchPool scratch, CollectiveStart start, CollectiveDescriptor descriptor, Memory<byte> buffer, InputBackup? backup)
    : IAllReduceSchedule
{
    private readonly int _elementSize = ReduceKernels.ElementSize(descriptor.DataType);

    /// <summary>Held while a ring saves its input: rings at different levels start at once.</summary>
    private readonly Lock _saving = new();

    private long _bytesSent;
    private long _bytesReceived;

    public long BytesSent => Interlocked.Read(ref _bytesSent);

    public long BytesReceived => Interlocked.Read(ref _bytesReceived);

    /// <summary>What this peer's crossing rings carried, for the done report.</summary>
    public CrossingMeter Crossings { get; } = new();

    /// <summary>Told of every piece received and applied, across all stages; null without a fault injector.</summary>
    public RingFaultSite? FaultSite { get; set; }

    /// <summary>Buffer bytes this peer receives over all its stages (what a fault injector measures progress against).</summary>
    public long BytesToReceive() => MyStages().Sum(s => StageBytesToReceive(s.Stage, Layout(s.Stage), s.Rank));

    public async Task RunAsync(CancellationToken ct)
    {
        var mine = MyStages().ToList();
        var waits = StageOrder.Predecessors([.. mine.Select(s => s.Stage)]);
        var began = Stopwatch.GetTimestamp();
        using var failFast = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var failures = new StageFailures();
        var running = new Task[mine.Count];
        for (var j = 0; j < mine.Count; j++)
        {
            running[j] = RunAfterAsync(mine[j].Stage, mine[j].Rank, [.. waits[j].Select(i => running[i])], began, failures, failFast);
        }

        try
        {
            await Task.WhenAll(running).ConfigureAwait(false);
        }
        catch (Exception) when (failures.First is { } first)
        {
            ExceptionDispatchInfo.Throw(first);
        }
    }

    /// <summary>Runs one ring once the rings it waits for are done; a failure stops every other ring of the operation.</summary>
    private async Task RunAfterAsync(HierarchyStage stage, int rank, Task[] before, long began, StageFailures failures, CancellationTokenSource failFast)
    {
        try
        {
            await Task.WhenAll(before).ConfigureAwait(false);
            var started = Stopwatch.GetTimestamp();
            if (backup is not null)
            {
                SaveInput(backup, stage);
            }

            await RunStageAsync(stage, rank, failFast.Token).ConfigureAwait(false);
            if (session.Logger.IsEnabled(LogLevel.Debug))
            {
                session.Logger.HierarchyStageTimed(
                    HierarchySummary.Name(stage.Kind), stage.Level, stage.FirstElement, stage.ElementCount, start.Sequence,
                    Stopwatch.GetElapsedTime(began, started).TotalMilliseconds, Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            }
        }
        catch (Exception e) when (failures.Keep(e, failFast.IsCancellationRequested))
        {
            await failFast.CancelAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>The stages this peer is a member of, with its rank in each, in the plan's order.</summary>
    private IEnumerable<(HierarchyStage Stage, int Rank)> MyStages() =>
        start.Hierarchy.Select(s => (s, s.Members.IndexOf(session.PeerId))).Where(s => s.Item2 >= 0 && s.s.ElementCount > 0);

    private RingLayout Layout(HierarchyStage stage) =>
        new((long)stage.ElementCount, _elementSize, stage.Members.Count, session.Options.RingChunkSize);

    private static long StageBytesToReceive(HierarchyStage stage, RingLayout layout, int rank)
    {
        var all = (long)stage.ElementCount * layout.ElementSize;
        return stage.Kind switch
        {
            HierarchyStageKind.ReduceScatter => all - layout.SliceBytes(rank),
            HierarchyStageKind.AllGather => all - layout.SliceBytes(layout.Mod(rank + 1)),
            _ => RingAllReduce.BytesToReceive(layout, rank),
        };
    }

    private async Task RunStageAsync(HierarchyStage stage, int rank, CancellationToken ct)
    {
        var layout = Layout(stage);
        var part = buffer.Slice(checked((int)stage.FirstElement * _elementSize), checked((int)stage.ElementCount * _elementSize));
        var crossing = stage.Kind == HierarchyStageKind.AllReduce;
        var storeBytes = crossing ? WireFactory.StoreBytes(descriptor, layout) : 0;
        var store = storeBytes > 0 ? scratch.Rent(storeBytes) : null;
        // inside a group an average is still a sum: it is divided once, where the crossing all-reduce finishes it
        var wire = crossing
            ? WireFactory.Create(descriptor, part, start.Ring.Count, layout, store)
            : new RawWire(part, descriptor.DataType, descriptor.Op == ReduceOp.Avg ? ReduceOp.Sum : descriptor.Op, stage.Members.Count);
        var scratchBytes = Math.Max(wire.MaxPayload(layout.PieceElements), layout.PieceBytes);
        var sendScratch = scratch.Rent(scratchBytes);
        var receiveScratch = scratch.Rent(scratchBytes);
        var decodeScratch = scratch.Rent(layout.PieceBytes);
        var stripeScratch = new List<byte[]>();
        try
        {
            var n = stage.Members.Count;
            var next = stage.Members[(rank + 1) % n];
            var nextPeer = session.World.Peer(next)
                ?? throw new PcclException(PcclErrorCode.PeerLost, $"hierarchy partner {next} is no longer in the world", true) { LostPeerId = next };
            var outgoing = await session.Lanes.GetOutgoingAsync(nextPeer, start.Lane, start.Sequence, ct).ConfigureAwait(false);
            var previous = stage.Members[(rank + n - 1) % n];
            var incoming = await session.Lanes.GetIncomingAsync(previous, start.Lane, ct).ConfigureAwait(false);
            var transfer = new RingTransfer(rank, start.Tag, start.Sequence, outgoing[0].Connection, incoming.Connection, sendScratch, receiveScratch, decodeScratch, Backup: null)
            {
                FaultSite = FaultSite,
            };
            RingPhase? only = stage.Kind switch
            {
                HierarchyStageKind.ReduceScatter => RingPhase.ReduceScatter,
                HierarchyStageKind.AllGather => RingPhase.AllGather,
                _ => null,
            };
            var (stripes, pace) = crossing ? CrossingLinks(outgoing, next, stage) : (outgoing, null);
            var hop = StripedHop.Over(stripes, sendScratch, scratchBytes, scratch, stripeScratch, session.Lanes, previous, start.Lane, incoming);
            var ring = new RingAllReduce(layout, wire, transfer, hop, only);
            if (pace is not null)
            {
                StripePace.Apply(stripes, pace);
            }

            var progress = crossing ? CrossingMeter.Progress(stripes) : null;
            try
            {
                await ring.RunAsync(ct).ConfigureAwait(false);
                if (progress is not null)
                {
                    Crossings.Add(stage.Level, progress, CrossingMeter.Progress(stripes), stripes[0].Connection.MeasurePath());
                }
            }
            finally
            {
                if (pace is not null)
                {
                    StripePace.Apply(stripes, null);
                }

                Interlocked.Add(ref _bytesSent, ring.BytesSent);
                Interlocked.Add(ref _bytesReceived, ring.BytesReceived);
            }
        }
        finally
        {
            scratch.Return(sendScratch);
            foreach (var extra in stripeScratch)
            {
                scratch.Return(extra);
            }

            scratch.Return(receiveScratch);
            scratch.Return(decodeScratch);
            if (store is not null)
            {
                scratch.Return(store);
            }
        }
    }

    /// <summary>
    /// The stripes of <paramref name="outgoing"/> a crossing ring to <paramref name="next"/> sends on
    /// (<see cref="CrossingStripes"/>): an automatic count is sized for this peer's share of the path's measured rate
    /// where one was measured; and the rate each is paced to (<see cref="StripePace"/>: a share of the path's rate the
    /// master set on the stage, the same on every peer), null for none.
    /// </summary>
    private (RingLink[] Stripes, long? Pace) CrossingLinks(RingLink[] outgoing, ulong next, HierarchyStage stage)
    {
        var sharers = CrossingStripes.Sharers(start, session.PeerId, stage.Level, RegionOf);
        var rate = CrossingStripes.PathBitsPerSecond(session.MeasuredRates.BitsPerSecondTo, next, CrossingStripes.Sides(start, stage.Level, RegionOf));
        int? measuredShare = rate is > 0 ? StripeCount.For(null, outgoing[0].Connection.MeasurePath(), rate.Value / sharers) : null;
        var stripes = outgoing[..CrossingStripes.For(outgoing.Length, sharers, session.Options.ConnectionsPerPeer is not null, measuredShare)];
        // where the regions cross with different numbers of peers, a small region's owner runs its crossings one after
        // another, so the other side's peers do not share the path at once: a share would hold them to a fraction of it
        var together = stage.Members.All(m => CrossingStripes.Sharers(start, m, stage.Level, RegionOf) == sharers);
        var path = together && stage.PathBitsPerSecond is > 0 and <= long.MaxValue ? (long)stage.PathBitsPerSecond : (long?)null;
        var pace = StripePace.BytesPerSecond(path, sharers, stripes.Length);
        if (pace is { } paced && session.Logger.IsEnabled(LogLevel.Debug))
        {
            session.Logger.HierarchyCrossingPaced(next, stage.FirstElement, stage.ElementCount, start.Sequence, stripes.Length, paced, sharers, path!.Value);
        }

        return (stripes, pace);
    }

    private string RegionOf(ulong peer) => session.World.Peer(peer)?.Region ?? "";

    /// <summary>Saves the pieces of the buffer under <paramref name="stage"/>'s elements that no earlier ring saved.</summary>
    private void SaveInput(InputBackup saved, HierarchyStage stage)
    {
        var end = ((long)stage.FirstElement + (long)stage.ElementCount) * _elementSize;
        lock (_saving)
        {
            for (var index = (int)((long)stage.FirstElement * _elementSize / RingLayout.MinPieceBytes); (long)index * RingLayout.MinPieceBytes < end; index++)
            {
                var offset = index * RingLayout.MinPieceBytes;
                var bytes = Math.Min(RingLayout.MinPieceBytes, buffer.Length - offset);
                saved.BeforeWrite(new PieceRef(index, offset, bytes / _elementSize, bytes));
            }
        }
    }
}
