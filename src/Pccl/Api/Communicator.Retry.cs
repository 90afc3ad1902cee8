using System.Diagnostics;
using System.Runtime.ExceptionServices;
using Pccl.Operations.Collectives;
using Pccl.Telemetry;

namespace Pccl;

public sealed partial class Communicator
{
    // matches the PcclFrequentRecoveries alert: rate(pccl_recovery_total[5m]) > 0.01, about 3 in 5 minutes
    private readonly RecoveryWindow _recoveries = new(TimeSpan.FromMinutes(5), threshold: 3);

    /// <summary>
    /// All-reduces <paramref name="buffer"/> in place like <see cref="AllReduceAsync{T}(Memory{T}, AllReduceOptions?, CancellationToken)"/>,
    /// and when an attempt fails with a transient error (a peer was lost) retries it with the remaining peers, at most
    /// <see cref="CommunicatorOptions.MaxRecoveryAttempts"/> times. Each retry starts from the original input (buffer
    /// backup). The result's <see cref="AllReduceInfo.Retries"/> counts the failed attempts.
    /// </summary>
    /// <exception cref="PcclException">
    /// <see cref="PcclErrorCode.TooFewPeers"/> when the group shrank below two peers (wait for peers, then call again);
    /// when the attempts are used up, an error with the last attempt's code that counts the attempts and wraps the last
    /// failure (<see cref="Exception.InnerException"/>); with buffer backup off, the first failure itself; any
    /// non-transient error at once.
    /// </exception>
    public async Task<AllReduceInfo> AllReduceWithRetryAsync<T>(Memory<T> buffer, AllReduceOptions? options = null, CancellationToken ct = default)
        where T : unmanaged =>
        (await AllReduceManyWithRetryAsync([new AllReduceOperation<T>(buffer, options ?? AllReduceOptions.Default)], maxInFlight: 1, ct).ConfigureAwait(false))[0];

    /// <summary>
    /// Runs a batch of in-place all-reduces with up to <paramref name="maxInFlight"/> of them in flight at once, each on
    /// its own tag (as PCCL's <c>pcclAllReduceMultipleWithRetry</c>). An operation that fails with a transient error is
    /// launched again with the remaining peers (its buffer restored) until every operation has succeeded; each
    /// operation may fail at most <see cref="CommunicatorOptions.MaxRecoveryAttempts"/> times. Operations are launched
    /// lowest index first, so peers that call this with the same list stay in step. Results are in the order of
    /// <paramref name="operations"/>.
    /// </summary>
    /// <exception cref="PcclException">
    /// <see cref="PcclErrorCode.InvalidArgument"/> for duplicate tags or <paramref name="maxInFlight"/> below 1;
    /// <see cref="PcclErrorCode.TooFewPeers"/> when the group shrank below two peers; otherwise the first error that
    /// stopped the batch, thrown once the operations in flight have finished.
    /// </exception>
    public async Task<IReadOnlyList<AllReduceInfo>> AllReduceManyWithRetryAsync<T>(IReadOnlyList<AllReduceOperation<T>> operations, int maxInFlight, CancellationToken ct = default)
        where T : unmanaged
    {
        ArgumentNullException.ThrowIfNull(operations);
        if (maxInFlight < 1)
        {
            throw new PcclException(PcclErrorCode.InvalidArgument, $"maxInFlight is {maxInFlight}; at least one operation must be allowed in flight");
        }

        var duplicate = operations.GroupBy(o => o.Options.Tag).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null)
        {
            throw new PcclException(PcclErrorCode.InvalidArgument,
                $"{duplicate.Count()} operations of the batch use tag {duplicate.Key}; give each operation its own tag (AllReduceOptions.Tag)");
        }

        var results = new AllReduceInfo?[operations.Count];
        var failures = new int[operations.Count];
        var lastFailure = new PcclException?[operations.Count];
        var running = new Dictionary<Task<AllReduceInfo>, int>();
        var launched = new bool[operations.Count];
        Exception? stop = null;
        while (true)
        {
            for (var i = 0; stop is null && i < operations.Count && running.Count < maxInFlight; i++)
            {
                if (results[i] is null && !launched[i])
                {
                    launched[i] = true;
                    running.Add(AllReduceAsync(operations[i].Buffer, operations[i].Options, ct), i);
                }
            }

            if (running.Count == 0)
            {
                break;
            }

            var done = await Task.WhenAny(running.Keys).ConfigureAwait(false);
            var index = running[done];
            running.Remove(done);
            launched[index] = false;
            try
            {
                var info = await done.ConfigureAwait(false);
                results[index] = failures[index] == 0 ? info : info with { Retries = failures[index], LastFailure = lastFailure[index] };
            }
            catch (PcclException e) when (e.IsTransient && !ct.IsCancellationRequested && stop is null)
            {
                failures[index]++;
                lastFailure[index] = e;
                try
                {
                    ThrowUnlessRetryable(e, failures[index], operations[index].Options.Tag);
                    NoteRecovery(operations[index].Options.Tag, failures[index]);
                }
                catch (PcclException fatal)
                {
                    stop = fatal;
                }
            }
            catch (Exception e)
            {
                stop ??= e;
            }
        }

        if (stop is not null)
        {
            ExceptionDispatchInfo.Throw(stop);
        }

        return results!;
    }

    /// <summary>Throws what the caller should see when a failed attempt must not be repeated; returns when a retry may follow.</summary>
    private void ThrowUnlessRetryable(PcclException failure, int failedAttempts, uint tag)
    {
        if (_fatal is not null)
        {
            throw failure; // master lost or kicked: this communicator cannot run anything again
        }

        if (!_options.EnableBufferBackup)
        {
            throw failure; // its message says the buffer is undefined; a retry would reduce partial sums
        }

        if (GroupWorldSize < 2)
        {
            throw new PcclException(PcclErrorCode.TooFewPeers,
                $"all-reduce on tag {tag} failed ({failure.Message}) and the group shrank to {GroupWorldSize} peer(s), fewer than the 2 an all-reduce needs: " +
                "wait for peers (ArePeersPendingAsync + UpdateTopologyAsync) and call again", isTransient: false, failure) { LostPeerId = failure.LostPeerId };
        }

        if (failedAttempts > _options.MaxRecoveryAttempts)
        {
            throw new PcclException(failure.Code,
                $"all-reduce on tag {tag} failed {failedAttempts} times, more than fault_tolerance.max_recovery_attempts ({_options.MaxRecoveryAttempts}): {failure.Message}",
                failure.IsTransient, failure) { LostPeerId = failure.LostPeerId };
        }
    }

    /// <summary>Counts one recovery and warns when they come often enough to suggest a too tight heartbeat timeout.</summary>
    private void NoteRecovery(uint tag, int attempt)
    {
        _telemetry.RecordRecovery();
        _logger.Recovery(tag, attempt + 1, _options.MaxRecoveryAttempts + 1, GroupWorldSize);
        if (_recoveries.Record(Stopwatch.GetTimestamp()) is { } count)
        {
            _logger.FrequentRecoveries(count, _recoveries.Window.TotalSeconds, (int)_options.HeartbeatTimeout.TotalMilliseconds);
        }
    }
}
