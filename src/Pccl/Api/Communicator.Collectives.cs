using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Pccl.Operations;
using Pccl.Operations.Collectives;
using Pccl.Operations.Collectives.Kernels;
using Pccl.Operations.Faults;
using Pccl.Protocol.Codec;
using Pccl.Protocol.Messages;
using Pccl.Telemetry;

namespace Pccl;

public sealed partial class Communicator
{
    /// <summary>
    /// All-reduces <paramref name="buffer"/> in place with the other peers of this group. Every peer gets bit-identical
    /// results. On a transient failure (a peer lost) the buffer holds its original input again when buffer backup is on
    /// (the default); with backup off its content is undefined and the exception says so.
    /// </summary>
    public Task<AllReduceInfo> AllReduceAsync<T>(Memory<T> buffer, AllReduceOptions? options = null, CancellationToken ct = default)
        where T : unmanaged => RunAllReduceAsync(null, buffer, options ?? AllReduceOptions.Default, ct);

    /// <summary>All-reduces <paramref name="send"/> into <paramref name="receive"/> (same length); <paramref name="send"/> is not modified.</summary>
    public Task<AllReduceInfo> AllReduceAsync<T>(ReadOnlyMemory<T> send, Memory<T> receive, AllReduceOptions? options = null, CancellationToken ct = default)
        where T : unmanaged
    {
        if (send.Length != receive.Length)
        {
            throw new PcclException(PcclErrorCode.InvalidArgument, $"send has {send.Length} elements but receive has {receive.Length}");
        }

        return RunAllReduceAsync(send, receive, options ?? AllReduceOptions.Default, ct);
    }

    private async Task<AllReduceInfo> RunAllReduceAsync<T>(ReadOnlyMemory<T>? send, Memory<T> buffer, AllReduceOptions options, CancellationToken ct)
        where T : unmanaged
    {
        ThrowIfUnusable();
        var type = PcclDataTypes.Require<T>().ToWire();
        var descriptor = new CollectiveDescriptor
        {
            ElementCount = (ulong)buffer.Length,
            DataType = type,
            Op = options.Op.ToWire(),
            Quantization = options.Quantization.ToWire(),
            Compression = options.Compression ?? _options.EnableCompression,
            ChunkBytes = (uint)_options.RingChunkSize,
            Algorithm = options.Algorithm.ToWire(),
        };
        if (descriptor.Quantization != Quantization.None && !MinMaxQuantizer.IsSupported(type, descriptor.Quantization))
        {
            throw new PcclException(PcclErrorCode.InvalidArgument, $"{options.Quantization} quantization applies to float, double, Half and BFloat16, not {typeof(T).Name}");
        }

        if (GroupWorldSize < 2)
        {
            throw new PcclException(PcclErrorCode.TooFewPeers,
                $"an all-reduce needs at least 2 peers; this group has {GroupWorldSize}: wait for peers (ArePeersPendingAsync + UpdateTopologyAsync)");
        }

        using var call = new CollectiveCall(options.Tag);
        if (!_collectives.TryAdd(options.Tag, call))
        {
            throw new PcclException(PcclErrorCode.TagInUse, $"an all-reduce on tag {options.Tag} is already in flight on this peer; use a different tag for concurrent operations");
        }

        var clock = Stopwatch.StartNew();
        using var bytes = new PinnedBytes<T>(buffer);
        var backup = PrepareInput(send, bytes.Memory);
        try
        {
            await _link!.SendAsync(new ControlMessage { CollectiveInit = new CollectiveInit { Tag = options.Tag, Parameters = descriptor } }, ct).ConfigureAwait(false);
            var start = await call.Started.WaitAsync(ct).ConfigureAwait(false);
            (IAllReduceSchedule Schedule, AllReduceAlgorithm Algorithm) run;
            using (await EnterIoGateAsync(call, start.Sequence, ct).ConfigureAwait(false))
            {
                run = await RunScheduleAsync(call, start, descriptor, bytes.Memory, backup, ct).ConfigureAwait(false);
            }

            await call.Completed.WaitAsync(ct).ConfigureAwait(false);
            var (schedule, algorithm) = run;
            _telemetry.RecordAllReduce(clock.Elapsed, schedule.BytesSent, schedule.BytesReceived);
            return new AllReduceInfo(schedule.BytesSent, schedule.BytesReceived, clock.Elapsed, start.Ring.Count, start.Sequence, algorithm)
            {
                PeerIds = [.. start.Ring],
            };
        }
        catch (Exception e)
        {
            // Failed first, so whether the master's start came before this failure is settled: one that comes later is
            // refused (RouteCollective), not taken by a call nobody runs.
            call.Fail(FailureOf(call, e, ct));
            if (call.Started.IsCompletedSuccessfully)
            {
                // Whatever stopped this peer, the others must not wait for its data. Its lanes are retired before the
                // master hears of it: once the master knows, it may start the next operation on these lanes, and that
                // one must not find this operation's links (a neighbour could write into one this peer dropped).
                var started = call.Started.Result;
                _ioGate.Withdraw(started.Sequence);
                await RetireLanesAsync(started).ConfigureAwait(false);
                await ReportFailureAsync(started, FailureOf(call, e, ct), call).ConfigureAwait(false);
            }
            else
            {
                await WithdrawAsync(call).ConfigureAwait(false);
            }

            Restore(send, backup, bytes.Memory);
            FaultInjector?.AllReduceFailed(options.Tag, FailureOf(call, e, ct));
            if (ct.IsCancellationRequested)
            {
                throw;
            }

            var failure = call.Failure ?? ToFailure(e);
            ReportAborted(options.Tag, failure);
            throw send is null && backup is null ? BufferUndefined(failure) : failure;
        }
        finally
        {
            _collectives.TryRemove(options.Tag, out _);
            if (backup is not null)
            {
                _telemetry.AddBufferBackupSize(-backup.Store.Length);
                _scratch.Return(backup.Store);
                backup.Dispose();
            }
        }
    }

    private async ValueTask<IDisposable> EnterIoGateAsync(CollectiveCall call, ulong sequence, CancellationToken ct)
    {
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(ct, call.Aborted);
        try
        {
            return await _ioGate.EnterAsync(sequence, linked.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested && call.Failure is { } failure)
        {
            throw failure;
        }
    }

    /// <summary>Which schedule runs: every peer decides alike, from the master's ring and the descriptor the master checked.</summary>
    private static AllReduceAlgorithm ScheduleFor(CollectiveDescriptor descriptor, int world) =>
        descriptor.Algorithm != CollectiveAlgorithm.Ring && world == HalvingDoublingAllReduce.WorldSize
            ? AllReduceAlgorithm.HalvingDoubling
            : AllReduceAlgorithm.Ring;

    private async Task<(IAllReduceSchedule, AllReduceAlgorithm)> RunScheduleAsync(CollectiveCall call, CollectiveStart start, CollectiveDescriptor descriptor, Memory<byte> buffer, InputBackup? backup, CancellationToken ct)
    {
        var world = start.Ring.Count;
        var rank = start.Ring.IndexOf(PeerId);
        if (rank < 0)
        {
            throw new PcclException(PcclErrorCode.InvalidState, $"the master started tag {start.Tag} on a ring without this peer ({PeerId})");
        }

        var next = start.Ring[(rank + 1) % world];
        var previous = start.Ring[(rank + world - 1) % world];
        var algorithm = ScheduleFor(descriptor, world);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(ct, call.Aborted);
        var layout = new RingLayout((long)descriptor.ElementCount, ReduceKernels.ElementSize(descriptor.DataType), world, _options.RingChunkSize);
        var storeBytes = WireFactory.StoreBytes(descriptor, layout);
        var store = storeBytes > 0 ? _scratch.Rent(storeBytes) : null;
        var wire = WireFactory.Create(descriptor, buffer, world, layout, store);
        var scratchBytes = Math.Max(wire.MaxPayload(layout.PieceElements), layout.PieceBytes);
        var sendScratch = _scratch.Rent(scratchBytes);
        var secondSendScratch = algorithm == AllReduceAlgorithm.HalvingDoubling ? _scratch.Rent(scratchBytes) : null;
        var receiveScratch = _scratch.Rent(scratchBytes);
        var decodeScratch = _scratch.Rent(layout.PieceBytes);
        try
        {
            var nextPeer = _world.Peer(next) ?? throw new PcclException(PcclErrorCode.PeerLost, $"ring successor {next} is no longer in the world", true) { LostPeerId = next };
            var outgoing = await _lanes!.GetOutgoingAsync(nextPeer, start.Lane, start.Sequence, linked.Token).ConfigureAwait(false);
            var incoming = await _lanes.GetIncomingAsync(previous, start.Lane, linked.Token).ConfigureAwait(false);
            var faults = FaultInjector;
            var faultSite = faults is null ? null : new RingFaultSite(faults, start.Sequence, algorithm == AllReduceAlgorithm.HalvingDoubling
                ? HalvingDoublingAllReduce.BytesToReceive(layout, rank)
                : RingAllReduce.BytesToReceive(layout, rank), BreakRingLinksAsync);
            var transfer = new RingTransfer(rank, start.Tag, start.Sequence, outgoing.Stream, incoming.Stream, sendScratch, receiveScratch, decodeScratch, backup, incoming.PlainSocket)
            {
                FaultSite = faultSite,
            };
            IAllReduceSchedule schedule;
            if (algorithm == AllReduceAlgorithm.HalvingDoubling)
            {
                // both links carry data both ways; the first partner is the successor at an even position
                var (firstLink, secondLink) = rank % 2 == 0 ? (outgoing, incoming) : (incoming, outgoing);
                var first = transfer with { Outgoing = firstLink.Stream, Incoming = firstLink.Stream, IncomingSocket = firstLink.PlainSocket };
                var second = transfer with
                {
                    Outgoing = secondLink.Stream, Incoming = secondLink.Stream, IncomingSocket = secondLink.PlainSocket, SendScratch = secondSendScratch!,
                };
                schedule = new HalvingDoublingAllReduce(layout, wire, first, second);
            }
            else
            {
                schedule = new RingAllReduce(layout, wire, transfer);
            }

            if (faults is not null)
            {
                await faults.RingStartedAsync(faultSite!).ConfigureAwait(false);
            }

            await schedule.RunAsync(linked.Token).ConfigureAwait(false);
            await _link!.SendAsync(new ControlMessage { CollectiveDone = new CollectiveDone { Tag = start.Tag, Sequence = start.Sequence, Success = true } }, ct).ConfigureAwait(false);
            return (schedule, algorithm);
        }
        finally
        {
            _scratch.Return(sendScratch);
            if (secondSendScratch is not null)
            {
                _scratch.Return(secondSendScratch);
            }

            _scratch.Return(receiveScratch);
            _scratch.Return(decodeScratch);
            if (store is not null)
            {
                _scratch.Return(store);
            }
        }
    }

    /// <summary>
    /// Takes back an operation the master has not started for this peer, so the others are not left gathering for it,
    /// and returns once the master has forgotten this peer's init. Returning earlier would let the caller's next
    /// operation on the tag race the withdrawal: another peer's init, arriving on its own connection before the
    /// withdrawal, would be paired with the withdrawn init. The wait ends at once when the master is lost and after one
    /// heartbeat timeout at most (a master that slow is about to be declared lost anyway).
    /// </summary>
    private async Task WithdrawAsync(CollectiveCall call)
    {
        try
        {
            await _link!.SendAsync(new ControlMessage { CollectiveDone = new CollectiveDone { Tag = call.Tag, Sequence = 0, Success = false, Error = "withdrawn" } }, CancellationToken.None).ConfigureAwait(false);
            await call.Withdrawn.WaitAsync(_options.HeartbeatTimeout).ConfigureAwait(false);
        }
        catch (PcclException)
        {
            // master lost: nothing to withdraw from
        }
        catch (TimeoutException)
        {
            _logger.WithdrawalUnconfirmed(
                call.Tag, _options.HeartbeatTimeout.TotalMilliseconds);
        }
    }

    private ValueTask RetireLanesAsync(CollectiveStart start)
    {
        var rank = start.Ring.IndexOf(PeerId);
        var world = start.Ring.Count;
        return rank < 0 ? ValueTask.CompletedTask
            : _lanes!.RetireAsync(start.Ring[(rank + 1) % world], start.Ring[(rank + world - 1) % world], start.Lane, start.Sequence);
    }

    private async Task ReportFailureAsync(CollectiveStart start, PcclException failure, CollectiveCall? call = null)
    {
        if (call is not null && !call.MarkFailureReported())
        {
            return;
        }

        try
        {
            await _link!.SendAsync(new ControlMessage
            {
                CollectiveDone = new CollectiveDone { Tag = start.Tag, Sequence = start.Sequence, Success = false, Error = failure.Message },
            }, CancellationToken.None).ConfigureAwait(false);
        }
        catch (PcclException)
        {
            // master lost: the master-lost path reports it
        }
    }

    /// <summary>With buffer backup off a failed in-place all-reduce leaves partial sums behind; the error must say so.</summary>
    private static PcclException BufferUndefined(PcclException failure) => new(failure.Code,
        $"{failure.Message}; the buffer's content is undefined because buffer backup is off (fault_tolerance.enable_buffer_backup): refill it before a retry",
        failure.IsTransient, failure) { LostPeerId = failure.LostPeerId };

    /// <summary>Why this peer's part of <paramref name="call"/> failed: the master's reason, the caller's cancellation, or <paramref name="e"/>.</summary>
    private PcclException FailureOf(CollectiveCall call, Exception e, CancellationToken ct) => call.Failure ?? (ct.IsCancellationRequested
        ? OperationFailure.CancelledBy(PeerId, "all-reduce")
        : ToFailure(e));

    /// <summary>Any protocol violation on the ring is a neighbour's bad data: transient, as a lost neighbour is.</summary>
    private static PcclException ToFailure(Exception e) => e is PcclException { Code: PcclErrorCode.ProtocolViolation } p
        ? new PcclException(PcclErrorCode.PeerLost, $"ring neighbour sent bad data: {p.Message}; retry", true, p)
        : OperationFailure.From(e, "all-reduce", "a ring neighbour's connection");

    /// <summary>Copies an out-of-place input into the buffer, or sets up the in-place input's backup; returns the backup or null.</summary>
    private InputBackup? PrepareInput<T>(ReadOnlyMemory<T>? send, Memory<byte> buffer) where T : unmanaged
    {
        if (send is { } input)
        {
            System.Runtime.InteropServices.MemoryMarshal.AsBytes(input.Span).CopyTo(buffer.Span);
            return null;
        }

        if (!_options.EnableBufferBackup)
        {
            return null;
        }

        var store = _scratch.Rent(buffer.Length);
        _telemetry.AddBufferBackupSize(store.Length);
        return new InputBackup(buffer, store);
    }

    private static void Restore<T>(ReadOnlyMemory<T>? send, InputBackup? backup, Memory<byte> buffer) where T : unmanaged
    {
        if (send is { } input)
        {
            System.Runtime.InteropServices.MemoryMarshal.AsBytes(input.Span).CopyTo(buffer.Span);
        }
        else
        {
            backup?.Restore();
        }
    }
}
