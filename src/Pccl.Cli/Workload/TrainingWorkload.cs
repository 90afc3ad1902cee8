using System.IO.Hashing;
using System.Runtime.InteropServices;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Pccl.Telemetry;

namespace Pccl.Cli.Workload;

/// <summary>
/// The reference training loop (PCCL's hello world): admit waiting peers by vote, all-reduce a gradient-sized buffer,
/// retry on a lost peer, wait when alone. A peer that just joined skips the first vote so it is in step with the peers
/// that just admitted it.
/// </summary>
internal sealed class TrainingWorkload(WorkloadOptions options, ModelState model, TextWriter? json, ILogger logger)
{
    private readonly float[] _gradient = GC.AllocateUninitializedArray<float>(options.Elements, pinned: true);
    private readonly RecoveryRateWatch _recoveries = new();
    private Communicator _communicator = null!;
    private int _step;

    /// <summary>Runs until the step budget is spent; a new communicator (after losing the master) continues where the last one stopped.</summary>
    public async Task RunAsync(Communicator communicator, CancellationToken ct)
    {
        _communicator = communicator;
        var justJoined = true;
        while (options.Steps == 0 || _step < options.Steps)
        {
            ct.ThrowIfCancellationRequested();
            if (!justJoined || _communicator.GroupWorldSize < 2)
            {
                await AdmitPendingPeersAsync(ct).ConfigureAwait(false);
            }

            justJoined = false;
            if (_communicator.GroupWorldSize < 2)
            {
                await Task.Delay(100, ct).ConfigureAwait(false);
                continue;
            }

            var step = _step;
            var sync = await TrySyncAsync(ct).ConfigureAwait(false);
            if (sync is null)
            {
                continue;
            }

            var (info, retries, lastError) = await AllReduceWithRetryAsync((int)model.Revision, ct).ConfigureAwait(false);
            if (info is null)
            {
                continue; // the world shrank below two peers: wait for more
            }

            model.Apply(_gradient);
            Report(new StepReport(step, info.WorldSize, _communicator.PeerId, info.Sequence, info.Duration.TotalMilliseconds, ResultHash(), retries, lastError,
                model.Revision, model.Hash(), sync.TxBytes, sync.RxBytes));
            await model.CheckpointIfDueAsync(ct).ConfigureAwait(false);
            _step++;
            if (options.StepDelay > TimeSpan.Zero)
            {
                await Task.Delay(options.StepDelay, ct).ConfigureAwait(false);
            }
        }
    }

    /// <summary>Synchronises the shared state; a transient failure (a peer lost mid-transfer) skips to the next loop.</summary>
    private async Task<SharedStateSyncInfo?> TrySyncAsync(CancellationToken ct)
    {
        try
        {
            return await model.SyncAsync(_communicator, ct).ConfigureAwait(false);
        }
        catch (PcclException e) when (e.IsTransient && e.Code != PcclErrorCode.MasterLost)
        {
            logger.LogWarning("shared-state sync failed ({Code}), will retry: {Reason}", e.Code, e.Message);
            return null;
        }
    }

    private async Task AdmitPendingPeersAsync(CancellationToken ct)
    {
        if (!await _communicator.ArePeersPendingAsync(ct).ConfigureAwait(false))
        {
            return;
        }

        try
        {
            await _communicator.UpdateTopologyAsync(ct).ConfigureAwait(false);
            logger.LogInformation("topology updated; world size {World}", _communicator.GlobalWorldSize);
        }
        catch (PcclException e) when (e.IsTransient)
        {
            logger.LogWarning("topology update failed, will vote again: {Reason}", e.Message);
        }
    }

    private async Task<(AllReduceInfo? Info, int Retries, string? LastError)> AllReduceWithRetryAsync(int step, CancellationToken ct)
    {
        var retries = 0;
        string? lastError = null;
        while (true)
        {
            Fill(step);
            try
            {
                var info = await _communicator.AllReduceAsync(_gradient.AsMemory(), AllReduceOptions.Default, ct).ConfigureAwait(false);
                return (info, retries, lastError);
            }
            catch (PcclException e) when (e.IsTransient || e.Code == PcclErrorCode.TooFewPeers)
            {
                lastError = ToSnakeCase(e.Code);
                retries++;
                logger.LogWarning("all-reduce attempt {Attempt} failed ({Code}): {Reason}", retries, e.Code, e.Message);
                if (_communicator.GroupWorldSize < 2 || e.Code == PcclErrorCode.TooFewPeers || retries > _communicator.Options.MaxRecoveryAttempts)
                {
                    return (null, retries, lastError);
                }

                RecordRecovery(retries + 1);
            }
        }
    }

    /// <summary>Counts the retry as a recovery, and warns when recoveries come often enough to suggest a misconfiguration.</summary>
    private void RecordRecovery(int attempt)
    {
        PcclInstruments.RecordRecovery();
        logger.Recovery(AllReduceOptions.Default.Tag, attempt, _communicator.Options.MaxRecoveryAttempts + 1, _communicator.GroupWorldSize);
        if (_recoveries.Record() is { } count)
        {
            logger.FrequentRecoveries(count, _recoveries.Window.TotalSeconds, (int)_communicator.Options.HeartbeatTimeout.TotalMilliseconds);
        }
    }

    /// <summary>Deterministic per-peer data; small multiples of 1/8 so any summation order is exact.</summary>
    private void Fill(int step)
    {
        var seed = (int)(_communicator.PeerId * 7 + (ulong)step * 13);
        for (var i = 0; i < _gradient.Length; i++)
        {
            _gradient[i] = ((seed + i) % 101) / 8f;
        }
    }

    private string ResultHash() => Convert.ToHexStringLower(XxHash3.Hash(MemoryMarshal.AsBytes(_gradient.AsSpan())));

    private void Report(StepReport report)
    {
        if (json is null)
        {
            logger.LogInformation("step {Step}: world {World}, all-reduce {Ms:0.0} ms, hash {Hash}", report.Step, report.WorldSize, report.AllReduceMs, report.ResultHash);
            return;
        }

        json.WriteLine(JsonSerializer.Serialize(report, StepReportJson.Default.StepReport));
        json.Flush();
    }

    internal static string ToSnakeCase(PcclErrorCode code) =>
        string.Concat(code.ToString().Select((c, i) => i > 0 && char.IsUpper(c) ? "_" + char.ToLowerInvariant(c) : char.ToLowerInvariant(c).ToString()));
}
