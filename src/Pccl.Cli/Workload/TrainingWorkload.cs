using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Microsoft.Extensions.Logging;

namespace Pccl.Cli.Workload;

/// <summary>
/// The reference training loop (PCCL's hello world): admit waiting peers by vote, all-reduce a gradient-sized buffer
/// with the library's retry helper, wait for peers when fewer than two remain. A peer that just joined skips the first
/// vote so it is in step with the peers that just admitted it; so does a peer that followed a new leader, since the
/// leader's first peer may be a fresh joiner that admitted it and went on to the sync.
/// </summary>
internal sealed class TrainingWorkload(WorkloadOptions options, ModelState model, TextWriter? json, ILogger logger)
{
    private readonly float[] _gradient = PinnedBuffer.Allocate<float>(options.Elements);
    private WorkerFaultInjector? _faults;
    private Communicator communicator = null!;
    private int _step;
    private ulong _inputKey;
    private ulong _inputPeer;
    private int _leaderChanged;

    /// <summary>Runs until the step budget is spent; a new communicator (after losing the master) continues where the last one stopped.</summary>
    public async Task RunAsync(Communicator current, CancellationToken ct)
    {
        communicator = current;
        // one injector per process: a worker that rejoins after its own injected fault does not fire it again
        _faults ??= options.Fault is not null || options.ReportAttempts
            ? new WorkerFaultInjector(options.Fault, () => Volatile.Read(ref _step), () => communicator.PeerId, options.ReportAttempts ? ReportFailedAttempt : null, json)
            : null;
        communicator.FaultInjector = _faults;
        communicator.MasterChanged += (_, _) => Volatile.Write(ref _leaderChanged, 1);

        var justJoined = true;
        while (options.Steps == 0 || _step < options.Steps)
        {
            ct.ThrowIfCancellationRequested();
            if (Volatile.Read(ref _leaderChanged) == 1)
            {
                // cleared only once the follow is over: the change event of this very follow comes before that
                await FollowLeaderAsync(ct).ConfigureAwait(false);
                Volatile.Write(ref _leaderChanged, 0);
                justJoined = true;
            }

            if (justJoined && communicator.GlobalWorldSize >= 2)
            {
                await OptimizeTopologyIfAskedAsync(ct).ConfigureAwait(false); // the members that admitted this peer run it now too
            }

            if ((!justJoined || communicator.GroupWorldSize < 2) && !await AdmitPendingPeersAsync(ct).ConfigureAwait(false))
            {
                continue;
            }

            justJoined = false;
            if (communicator.GroupWorldSize < 2)
            {
                await Task.Delay(100, ct).ConfigureAwait(false);
                continue;
            }

            var sync = await TrySyncAsync(ct).ConfigureAwait(false);
            if (sync is null)
            {
                continue;
            }

            var report = await StepAsync(_step, ct).ConfigureAwait(false);
            if (report is null)
            {
                continue; // the world shrank below two peers or the attempts ran out: vote and wait for peers
            }

            model.Apply(_gradient);
            Report(report with { Revision = model.Revision, StateHash = model.Hash(), SyncTxBytes = sync.TxBytes, SyncRxBytes = sync.RxBytes });
            await model.CheckpointIfDueAsync(ct).ConfigureAwait(false);
            Volatile.Write(ref _step, _step + 1);
            if (options.StepDelay > TimeSpan.Zero)
            {
                await Task.Delay(options.StepDelay, ct).ConfigureAwait(false);
            }
        }
    }

    /// <summary>
    /// Admits waiting peers by vote. Returns false after a lost master: every peer then starts its loop again with this
    /// vote under the next leader, whichever call the loss failed (a peer that went on to the sync would wait for peers
    /// that are voting).
    /// </summary>
    private async Task<bool> AdmitPendingPeersAsync(CancellationToken ct)
    {
        try
        {
            if (await communicator.ArePeersPendingAsync(ct).ConfigureAwait(false))
            {
                await communicator.UpdateTopologyAsync(ct).ConfigureAwait(false);
                logger.TopologyUpdated(communicator.GlobalWorldSize);
                await OptimizeTopologyIfAskedAsync(ct).ConfigureAwait(false);
            }

            return true;
        }
        catch (PcclException e) when (e.IsTransient && !IsFatal(e))
        {
            logger.TopologyUpdateFailed(e.Message);
            NoteLostMaster(e);
            return e.Code != PcclErrorCode.MasterLost;
        }
    }

    /// <summary>The optimisation vote after a round that admitted peers, when <c>performance.optimize_topology</c> asks for it.</summary>
    private async Task OptimizeTopologyIfAskedAsync(CancellationToken ct)
    {
        if (!options.OptimizeTopologyOnWorldChange)
        {
            return;
        }

        try
        {
            await communicator.OptimizeTopologyAsync(ct).ConfigureAwait(false);
        }
        catch (PcclException e) when (e.IsTransient && !IsFatal(e))
        {
            logger.TopologyUpdateFailed(e.Message);
        }
    }

    /// <summary>Synchronises the shared state; a transient failure (a peer lost mid-transfer) skips to the next loop.</summary>
    private async Task<SharedStateSyncInfo?> TrySyncAsync(CancellationToken ct)
    {
        try
        {
            return await model.SyncAsync(communicator, ct).ConfigureAwait(false);
        }
        catch (PcclException e) when (e.IsTransient && !IsFatal(e))
        {
            logger.SyncFailed(e.Code, e.Message);
            NoteLostMaster(e);
            return null;
        }
    }

    /// <summary>One step's all-reduce; its data is seeded by the shared revision, so a joiner's gradient fits the others'.</summary>
    private async Task<StepReport?> StepAsync(int step, CancellationToken ct)
    {
        var key = model.Revision;
        Volatile.Write(ref _inputKey, key);
        Volatile.Write(ref _inputPeer, communicator.PeerId);
        Contribution.Fill(_gradient, _inputPeer, key);
        var inputHash = Contribution.Hash(_gradient);
        try
        {
            var info = await communicator.AllReduceWithRetryAsync(_gradient.AsMemory(), AllReduceOptions.Default, ct).ConfigureAwait(false);
            var error = info.LastFailure is { } failure ? Telemetry.MetricTags.CodeName(failure.Code) : null;
            return new StepReport(step, info.WorldSize, communicator.PeerId, info.Sequence, info.Duration.TotalMilliseconds, Contribution.Hash(_gradient), info.Retries, error, 0, "", 0, 0)
            {
                TimeNs = MonotonicClock.NowNs(),
                Peers = info.PeerIds,
                InputKey = key,
                InputHash = inputHash,
                MasterEpoch = info.MasterEpoch,
                SettledInDoubt = info.SettledInDoubt,
            };
        }
        catch (PcclException e) when ((e.IsTransient || e.Code == PcclErrorCode.TooFewPeers) && !IsFatal(e))
        {
            logger.StepNotCompleted(step, e.Code, e.Message);
            NoteLostMaster(e);
            return null;
        }
    }

    /// <summary>A call failed because the master was lost: the loop waits for the next leader and starts again as a joiner.</summary>
    private void NoteLostMaster(PcclException e)
    {
        if (e.Code == PcclErrorCode.MasterLost)
        {
            Volatile.Write(ref _leaderChanged, 1);
        }
    }

    /// <summary>Waits for the follow to the next leader; a loss with no leader to follow surfaces in the loop's next call.</summary>
    private async Task FollowLeaderAsync(CancellationToken ct)
    {
        try
        {
            await communicator.FollowLeaderAsync(ct).ConfigureAwait(false);
        }
        catch (PcclException e) when (e.Code == PcclErrorCode.MasterLost)
        {
            logger.TopologyUpdateFailed(e.Message);
        }
    }

    /// <summary>
    /// A kick ends the run of this communicator, and so does a lost master unless the communicator follows the leader
    /// (a transient loss then fails only the call in flight; a loss it gave up on is not transient).
    /// </summary>
    private bool IsFatal(PcclException e) => e.Code is PcclErrorCode.Kicked
        || (e.Code is PcclErrorCode.MasterLost && (!e.IsTransient || communicator.Options.MasterReconnectTimeout <= TimeSpan.Zero));

    /// <summary>Facts about a failed attempt, for a test to judge: what the restored buffer holds, and when.</summary>
    private void ReportFailedAttempt(PcclException failure)
    {
        var at = MonotonicClock.NowNs();
        if (json is null)
        {
            return;
        }

        Print(new AttemptReport(Volatile.Read(ref _step), Volatile.Read(ref _inputPeer), Volatile.Read(ref _inputKey), Contribution.Hash(_gradient), Telemetry.MetricTags.CodeName(failure.Code), failure.Message, at),
            WorkerJson.Default.AttemptReport);
    }

    private void Report(StepReport report)
    {
        if (json is null)
        {
            logger.StepCompleted(report.Step, report.WorldSize, report.AllReduceMs, report.ResultHash);
            return;
        }

        Print(report, WorkerJson.Default.StepReport);
    }

    private void Print<TLine>(TLine line, JsonTypeInfo<TLine> type)
    {
        json!.WriteLine(JsonSerializer.Serialize(line, type));
        json.Flush();
    }
}
