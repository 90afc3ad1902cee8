using System.Diagnostics;
using System.Runtime.ExceptionServices;
using Pccl.Operations.Session;
using Pccl.Telemetry;

namespace Pccl.Operations.Collectives;

/// <summary>
/// The retry helpers: in-place all-reduces, a batch of them with a bound on how many are in flight, each launched again
/// with the remaining peers (its buffer restored) when an attempt fails with a transient error. When the master was lost,
/// the next attempt runs once the <see cref="MasterFollower"/> has registered with the leader again, unless this peer
/// lost the master alone and the group went on without it.
/// </summary>
internal sealed class AllReduceRetry(MasterFollower follower)
{
    // matches the PcclFrequentRecoveries alert: rate(pccl_recovery_total[5m]) > 0.01, about 3 in 5 minutes
    private readonly RecoveryWindow _recoveries = new(TimeSpan.FromMinutes(5), threshold: 3);

    /// <summary>Runs <paramref name="operations"/>, at most <paramref name="maxInFlight"/> at once; results in their order.</summary>
    public async Task<IReadOnlyList<AllReduceInfo>> RunManyAsync<T>(IReadOnlyList<AllReduceOperation<T>> operations, int maxInFlight, CancellationToken ct)
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
        var running = new Dictionary<Task<AllReduceInfo>, (int Index, Registration On)>();
        var launched = new bool[operations.Count];
        Exception? stop = null;
        while (true)
        {
            for (var i = 0; stop is null && i < operations.Count && running.Count < maxInFlight; i++)
            {
                if (results[i] is null && !launched[i])
                {
                    launched[i] = true;
                    Registration registration;
                    try
                    {
                        registration = await follower.ReadyAsync(ct).ConfigureAwait(false);
                    }
                    catch (PcclException e)
                    {
                        stop = e; // no master took this peer back
                        break;
                    }

                    running.Add(registration.AllReduces.RunAsync(null, operations[i].Buffer, operations[i].Options, ct), (i, registration));
                }
            }

            if (running.Count == 0)
            {
                break;
            }

            var done = await Task.WhenAny(running.Keys).ConfigureAwait(false);
            var (index, ranOn) = running[done];
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
                    // a lost master is lost for this registration even before its session says so
                    var next = ranOn.Session.FatalReason is null && e.Code != PcclErrorCode.MasterLost
                        ? ranOn
                        : await follower.SuccessorAsync(ranOn, e, ct).ConfigureAwait(false);
                    ThrowIfTheGroupWentOn(ranOn, next, e);
                    ThrowUnlessRetryable(next.Session, e, failures[index], operations[index].Options.Tag);
                    NoteRecovery(next.Session, operations[index].Options.Tag, failures[index]);
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

    /// <summary>
    /// A peer that lost the master alone and came back as a new peer to a group that went on (<see cref="GroupContinuity"/>)
    /// must not repeat the operation: its members completed or abandoned it and moved on to their next step, where they
    /// wait for this peer.
    /// </summary>
    private static void ThrowIfTheGroupWentOn(Registration ranOn, Registration next, PcclException failure)
    {
        if (next != ranOn && GroupContinuity.WentOnWithout(ranOn, next))
        {
            throw GroupContinuity.Loss(failure, next);
        }
    }

    /// <summary>Throws what the caller should see when a failed attempt must not be repeated; returns when a retry may follow.</summary>
    private static void ThrowUnlessRetryable(PeerSession session, PcclException failure, int failedAttempts, uint tag)
    {
        if (!session.Options.EnableBufferBackup)
        {
            throw failure; // its message says the buffer is undefined; a retry would reduce partial sums
        }

        if (session.World.GroupSize < 2)
        {
            throw new PcclException(PcclErrorCode.TooFewPeers,
                $"all-reduce on tag {tag} failed ({failure.Message}) and the group shrank to {session.World.GroupSize} peer(s), fewer than the 2 an all-reduce needs: " +
                "wait for peers (ArePeersPendingAsync + UpdateTopologyAsync) and call again", isTransient: false, failure) { LostPeerId = failure.LostPeerId };
        }

        if (failedAttempts > session.Options.MaxRecoveryAttempts)
        {
            throw new PcclException(failure.Code,
                $"all-reduce on tag {tag} failed {failedAttempts} times, more than fault_tolerance.max_recovery_attempts ({session.Options.MaxRecoveryAttempts}): {failure.Message}",
                failure.IsTransient, failure) { LostPeerId = failure.LostPeerId };
        }
    }

    /// <summary>Counts one recovery and warns when they come often enough to suggest a too tight heartbeat timeout.</summary>
    private void NoteRecovery(PeerSession session, uint tag, int attempt)
    {
        session.Telemetry.RecordRecovery();
        session.Logger.Recovery(tag, attempt + 1, session.Options.MaxRecoveryAttempts + 1, session.World.GroupSize);
        if (_recoveries.Record(Stopwatch.GetTimestamp()) is { } count)
        {
            session.Logger.FrequentRecoveries(count, _recoveries.Window.TotalSeconds, (int)session.Options.HeartbeatTimeout.TotalMilliseconds);
        }
    }
}
