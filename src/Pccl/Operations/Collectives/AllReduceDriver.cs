using System.Diagnostics;
using Pccl.Operations.Collectives.Kernels;
using Pccl.Operations.Faults;
using Pccl.Operations.Session;
using Pccl.Protocol.Codec;
using Pccl.Protocol.Messages;
using Pccl.Telemetry;

namespace Pccl.Operations.Collectives;

/// <summary>
/// The whole life of one all-reduce on this peer: checks, the master's init and start, the IO gate, the schedule, the
/// master's verdict, and on failure the order that keeps the others safe: retire the lanes, report to the master,
/// restore the buffer, then throw. A master lost after this peer moved its data leaves the operation in doubt: the
/// result is kept until the next leader's verdict (<see cref="CollectiveOutcomes"/>), since the lost master may have
/// told other peers it completed.
/// </summary>
internal sealed class AllReduceDriver
{
    private readonly PeerSession _session;
    private readonly ScratchPool _scratch = new();
    private readonly RingIoGate _ioGate;
    private readonly AllReduceWithdrawal _withdrawal;
    private readonly ScheduleRunner _schedules;
    private readonly CollectiveOutcomes? _outcomes;
    private int _rehearsed;

    /// <param name="session">The registration's session.</param>
    /// <param name="outcomes">Where operations in doubt wait for the next leader; null: a lost master fails them at once.</param>
    public AllReduceDriver(PeerSession session, CollectiveOutcomes? outcomes = null)
    {
        _session = session;
        _outcomes = outcomes;
        _ioGate = new RingIoGate(session.Options.NumIoThreads);
        _withdrawal = new AllReduceWithdrawal(session);
        _schedules = new ScheduleRunner(session, _scratch);
        Router = new CollectiveRouter(session, _ioGate, _withdrawal, outcomes);
    }

    /// <summary>The calls in flight, which the dispatch hands the master's collective messages.</summary>
    public CollectiveRouter Router { get; }

    /// <summary>Runs <paramref name="buffer"/> through one all-reduce; <paramref name="send"/> is the out-of-place input or null.</summary>
    public async Task<AllReduceInfo> RunAsync<T>(ReadOnlyMemory<T>? send, Memory<T> buffer, AllReduceOptions options, CancellationToken ct)
        where T : unmanaged
    {
        _session.ThrowIfUnusable();
        var descriptor = Describe<T>(buffer.Length, options);
        var groupSize = _session.World.GroupSize;
        if (groupSize < 2)
        {
            throw new PcclException(PcclErrorCode.TooFewPeers,
                $"an all-reduce needs at least 2 peers; this group has {groupSize}: wait for peers (ArePeersPendingAsync + UpdateTopologyAsync)");
        }

        using var activity = PcclActivities.StartAllReduce(options.Tag, (long)buffer.Length * System.Runtime.CompilerServices.Unsafe.SizeOf<T>(), groupSize);
        using var call = new CollectiveCall(options.Tag) { OnDataMoved = HoldIfMasterLost };
        if (!Router.TryAdd(call))
        {
            throw new PcclException(PcclErrorCode.TagInUse, $"an all-reduce on tag {options.Tag} is already in flight on this peer; use a different tag for concurrent operations");
        }

        var clock = Stopwatch.StartNew();
        using var bytes = new PinnedBytes<T>(buffer);
        var backup = AllReduceInput.Prepare(send, bytes.Memory, _session.Options.EnableBufferBackup, _scratch, _session.Telemetry);
        var finalsInPlace = false;
        try
        {
            var granted = Router.TryTakeGrant(call, descriptor);
            if (granted is not null)
            {
                _session.Logger.StartGrantTaken(options.Tag, granted.Sequence);
            }

            await _session.Link.SendAsync(new ControlMessage
            {
                CollectiveInit = new CollectiveInit { Tag = options.Tag, Parameters = descriptor, GrantedSequence = granted?.Sequence ?? 0 },
            }, ct).ConfigureAwait(false);
            var start = await call.Started.WaitAsync(ct).ConfigureAwait(false);
            (IAllReduceSchedule Schedule, AllReduceAlgorithm Algorithm) run;
            var settledInDoubt = false;
            try
            {
                using (await EnterIoGateAsync(call, start.Sequence, ct).ConfigureAwait(false))
                {
                    run = await _schedules.RunAsync(call, start, descriptor, bytes.Memory, backup, ct).ConfigureAwait(false);
                }

                await call.Completed.WaitAsync(ct).ConfigureAwait(false);
            }
            catch (PcclException lost) when (lost.Code == PcclErrorCode.MasterLost && call is { InDoubt: not null, Moved: not null } && !ct.IsCancellationRequested)
            {
                await AwaitVerdictAsync(call.InDoubt, lost, ct).ConfigureAwait(false);
                run = call.Moved.Value;
                settledInDoubt = true;
            }

            // completed on every peer: only now may the owned slice's final value leave the backup's store; from here on
            // the buffer holds the result, and nothing may restore it
            backup?.PutFinalsInPlace();
            finalsInPlace = true;
            var (schedule, algorithm) = run;
            _session.Telemetry.RecordAllReduce(clock.Elapsed, schedule.BytesSent, schedule.BytesReceived);
            activity.Succeeded(start.Ring.Count);
            if (Interlocked.Exchange(ref _rehearsed, 1) == 0)
            {
                // after the first success, not at start-up, where its compiling would compete with the registration and the first heartbeats
                _ = FailurePathRehearsal.RunInBackground(_session);
            }

            return new AllReduceInfo(schedule.BytesSent, schedule.BytesReceived, clock.Elapsed, start.Ring.Count, start.Sequence, algorithm)
            {
                PeerIds = [.. start.Ring],
                MasterEpoch = _session.MasterEpoch,
                SettledInDoubt = settledInDoubt,
            };
        }
        catch (Exception e) when (!finalsInPlace)
        {
            // Failed first, so whether the master's start came before this failure is settled: one that comes later is
            // refused (CollectiveRouter), not taken by a call nobody runs.
            call.Fail(AllReduceFailures.Of(call, e, _session.PeerId, ct));
            var faults = _session.FaultInjector;
            var told = Task.CompletedTask;
            if (call.Started.IsCompletedSuccessfully)
            {
                // Whatever stopped this peer, the others must not wait for its data. Its lanes are retired before the
                // master hears of it: once the master knows, it may start the next operation on these lanes, and that
                // one must not find this operation's links (a neighbour could write into one this peer dropped).
                var started = call.Started.Result;
                faults?.FailureMilestoneReached(started.Sequence, FailureMilestone.Unwound);
                _ioGate.Withdraw(started.Sequence);
                var retired = AllReduceWithdrawal.RetireLanes(_session.Lanes, started, _session.PeerId);
                faults?.FailureMilestoneReached(started.Sequence, FailureMilestone.LanesRetired);
                // The report only has to follow the retirement on the control link; the restore need not wait for its write.
                told = _withdrawal.ReportFailureAsync(started, AllReduceFailures.Of(call, e, _session.PeerId, ct), call);
                faults?.FailureMilestoneReached(started.Sequence, FailureMilestone.MasterTold);
                _ = retired.CloseInBackground(faults is null ? null : () => faults.FailureMilestoneReached(started.Sequence, FailureMilestone.LinksClosed));
            }
            else
            {
                await _withdrawal.WithdrawAsync(call).ConfigureAwait(false);
            }

            AllReduceInput.Restore(send, backup, bytes.Memory);
            faults?.FailureMilestoneReached(call.Sequence, FailureMilestone.BufferRestored);
            faults?.InputRestored(call.Sequence, backup?.SavedBytes ?? 0);
            await told.ConfigureAwait(false);
            faults?.AllReduceFailed(options.Tag, AllReduceFailures.Of(call, e, _session.PeerId, ct));
            if (ct.IsCancellationRequested)
            {
                activity.Failed(e);
                throw;
            }

            var failure = call.Failure ?? AllReduceFailures.From(e);
            activity.Failed(failure);
            _session.Telemetry.RecordFailure(failure.Code);
            _session.Logger.CollectiveAborted(options.Tag, $"{failure.Code}: {failure.Message}");
            throw send is null && backup is null ? AllReduceFailures.BufferUndefined(failure) : failure;
        }
        finally
        {
            if (call.InDoubt is { } doubt)
            {
                _outcomes!.Forget(doubt);
            }

            Router.Remove(options.Tag);
            AllReduceInput.Release(backup, _scratch, _session.Telemetry);
        }
    }

    /// <summary>Holds the operation whose data just moved, when a lost master would leave it to the next leader.</summary>
    private InDoubtOperation? HoldIfMasterLost(CollectiveStart start) =>
        _session.Options.MasterReconnectTimeout > TimeSpan.Zero ? _outcomes?.DataMoved(_session.MasterEpoch, _session.PeerId, start) : null;

    /// <summary>Returns when the next leader says the operation completed; throws <paramref name="lost"/> when it failed it.</summary>
    private async Task AwaitVerdictAsync(InDoubtOperation doubt, PcclException lost, CancellationToken ct)
    {
        _session.Logger.InDoubtHeld(doubt.Tag, doubt.Sequence, doubt.Epoch);
        var verdict = await doubt.Verdict.WaitAsync(ct).ConfigureAwait(false);
        _session.Logger.InDoubtResolved(doubt.Tag, doubt.Sequence, doubt.Epoch, verdict.Completed ? "completed" : "failed", verdict.Reason);
        if (!verdict.Completed)
        {
            throw lost;
        }
    }

    private CollectiveDescriptor Describe<T>(int elements, AllReduceOptions options) where T : unmanaged
    {
        var type = PcclDataTypes.Require<T>().ToWire();
        var descriptor = new CollectiveDescriptor
        {
            ElementCount = (ulong)elements,
            DataType = type,
            Op = options.Op.ToWire(),
            Quantization = options.Quantization.ToWire(),
            Compression = options.Compression ?? _session.Options.EnableCompression,
            ChunkBytes = (uint)_session.Options.RingChunkSize,
            Algorithm = options.Algorithm.ToWire(),
        };
        if (descriptor.Quantization != Quantization.None && !MinMaxQuantizer.IsSupported(type, descriptor.Quantization))
        {
            throw new PcclException(PcclErrorCode.InvalidArgument, $"{options.Quantization} quantization applies to float, double, Half and BFloat16, not {typeof(T).Name}");
        }

        return descriptor;
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
}
