using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Pccl.Operations.Collectives;
using Pccl.Operations.Faults;
using Pccl.Operations.Membership;
using Pccl.Protocol.Messages;
using Pccl.Telemetry;

namespace Pccl.Operations.Session;

/// <summary>
/// Keeps a peer registered with the leader among its masters. When the master is lost (and
/// <see cref="CommunicatorOptions.MasterReconnectTimeout"/> allows), the calls in flight fail with the transient loss
/// while this registers again with whichever master leads, waits to be accepted, and then regroups: a fresh master
/// accepts its first peer at once and the others by a vote of the accepted ones, so every returning peer votes in
/// waiting peers until its group is as large as before the loss (or the window ends). A peer that comes back alone to a
/// group that went on under the same master (<see cref="GroupContinuity"/>) does not regroup: those members admit
/// newcomers at their own votes, and would wait in their next operation for a peer that votes alone. Calls made
/// meanwhile wait for it.
/// </summary>
internal sealed class MasterFollower : IAsyncDisposable
{
    private static readonly TimeSpan FirstRetryDelay = TimeSpan.FromMilliseconds(50);
    // A standby takes the lease within an eighth of the TTL after it lapses and refuses peers until then: retrying this
    // often finds the new leader within about this delay of it serving, at a few refused hellos per second per peer.
    private static readonly TimeSpan MaxRetryDelay = TimeSpan.FromMilliseconds(200);
    private static readonly TimeSpan RegroupPoll = TimeSpan.FromMilliseconds(20);

    private readonly object _owner;
    private readonly CommunicatorOptions _options;
    private readonly ILogger _logger;
    private readonly Action<MasterChangedEventArgs> _onChanged;
    private readonly object _gate = new();
    private readonly CancellationTokenSource _stop = new();
    private int _disposed;
    private Registration? _current;
    private Task<Registration>? _following;
    private PcclException? _lossReason;
    private IFaultInjector? _faults;

    /// <param name="owner">The object a caller holds, named when it calls after disposing.</param>
    /// <param name="options">The peer's options.</param>
    /// <param name="logger">The peer's logger.</param>
    /// <param name="onChanged">Hears each successful change of master, on the thread that completed it.</param>
    public MasterFollower(object owner, CommunicatorOptions options, ILogger logger, Action<MasterChangedEventArgs> onChanged)
    {
        _owner = owner;
        _options = options;
        _logger = logger;
        _onChanged = onChanged;
    }

    /// <summary>The newest master epoch this peer has served under, across its registrations.</summary>
    public EpochFence Fence { get; } = new();

    /// <summary>This peer's all-reduce outcomes across its registrations, reported to each next leader.</summary>
    public CollectiveOutcomes Outcomes { get; } = new();

    /// <summary>The latest registration (after a loss, the lost one until the next is accepted).</summary>
    public Registration Current => Volatile.Read(ref _current) ?? throw new InvalidOperationException("the communicator has not connected");

    public IFaultInjector? FaultInjector
    {
        get => _faults;
        set
        {
            _faults = value;
            Current.Session.FaultInjector = value;
        }
    }

    /// <summary>The first registration: one round over the masters, no retries (the caller decides whether to wait for a master).</summary>
    public async Task StartAsync(CancellationToken ct)
    {
        var first = await Registration.OpenAsync(_owner, _options, Fence, Outcomes, _logger, _faults, OnLost, ct).ConfigureAwait(false);
        Volatile.Write(ref _current, first);
        if (first.Session.FatalReason is { } lost)
        {
            OnLost(first, lost); // lost between its acceptance and now, when it was not current yet
        }
    }

    /// <summary>
    /// The registration to run a call on: the current one, or the one a reconnection in progress brings. A call that
    /// waited for a peer coming back alone to a group that went on (<see cref="GroupContinuity"/>) fails with the loss
    /// instead: run there, it would be the one member in its phase while the others wait for it in their next step.
    /// </summary>
    public async ValueTask<Registration> ReadyAsync(CancellationToken ct)
    {
        Task<Registration>? following;
        Registration? lost;
        PcclException? reason;
        lock (_gate)
        {
            (following, lost, reason) = (_following, _current, _lossReason);
        }

        if (following is null)
        {
            return Current;
        }

        var next = await following.WaitAsync(ct).ConfigureAwait(false);
        return lost is not null && reason is not null && GroupContinuity.WentOnWithout(lost, next) ? throw GroupContinuity.Loss(reason, next) : next;
    }

    /// <summary>The registration once a reconnection in progress is over, whatever group it came back to.</summary>
    public async ValueTask<Registration> SettledAsync(CancellationToken ct)
    {
        Task<Registration>? following;
        lock (_gate)
        {
            following = _following;
        }

        return following is null ? Current : await following.WaitAsync(ct).ConfigureAwait(false);
    }

    /// <summary>
    /// The registration that follows <paramref name="failed"/>, which <paramref name="reason"/> ended: awaited while
    /// the follower reconnects; <paramref name="reason"/> is thrown when nothing follows (the loss was not of the
    /// master, or reconnecting is off).
    /// </summary>
    public async ValueTask<Registration> SuccessorAsync(Registration failed, PcclException reason, CancellationToken ct)
    {
        Task<Registration>? following;
        Registration? current;
        lock (_gate)
        {
            following = _following;
            current = _current;
        }

        if (following is null && current == failed)
        {
            // The operation saw the loss before the session reported it: start following now, so that every peer's retry
            // runs under the next leader instead of some retrying on the dead session and giving up.
            OnLost(failed, reason);
            lock (_gate)
            {
                following = _following;
            }
        }

        if (following is not null)
        {
            return await following.WaitAsync(ct).ConfigureAwait(false);
        }

        return current != failed && current is not null ? current : throw reason;
    }

    private void OnLost(Registration registration, PcclException reason)
    {
        if (reason.Code != PcclErrorCode.MasterLost || _options.MasterReconnectTimeout <= TimeSpan.Zero || _stop.IsCancellationRequested)
        {
            return;
        }

        lock (_gate)
        {
            if (registration != _current || _following is not null)
            {
                return;
            }

            _lossReason = reason;
            _following = Task.Run(() => FollowAsync(registration, reason));
        }
    }

    private async Task<Registration> FollowAsync(Registration lost, PcclException reason)
    {
        var window = _options.MasterReconnectTimeout;
        var started = Stopwatch.GetTimestamp();
        var masters = string.Join(",", _options.Masters);
        _logger.FollowingLeader(reason.Message, masters, window.TotalSeconds);
        var oldEpoch = Fence.Newest;
        var oldMaster = lost.Session.MasterAddress;
        var target = lost.Session.World.GroupSize;
        var delay = FirstRetryDelay;
        PcclException last = reason;
        try
        {
            while (true)
            {
                var remaining = window - Stopwatch.GetElapsedTime(started);
                if (remaining > TimeSpan.Zero)
                {
                    using var attempt = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
                    attempt.CancelAfter(remaining);
                    try
                    {
                        var next = await Registration.OpenAsync(_owner, _options, Fence, Outcomes, _logger, _faults, OnLost, attempt.Token).ConfigureAwait(false);
                        if (!GroupContinuity.WentOnWithout(lost, next))
                        {
                            await RegroupAsync(next, target, started, window, attempt.Token).ConfigureAwait(false);
                        }

                        lock (_gate)
                        {
                            _current = next;
                            _following = null;
                        }

                        _logger.MasterChanged(next.Session.MasterAddress, Fence.Newest, oldMaster, oldEpoch, next.Session.PeerId, next.Session.World.GroupSize);
                        _onChanged(new MasterChangedEventArgs(oldEpoch, Fence.Newest, oldMaster, next.Session.MasterAddress, next.Session.PeerId));
                        if (next.Session.FatalReason is { } again)
                        {
                            OnLost(next, again);
                        }

                        return next;
                    }
                    catch (PcclException e) when (e.IsTransient)
                    {
                        last = e;
                    }
                    catch (OperationCanceledException e) when (!_stop.IsCancellationRequested)
                    {
                        last = new PcclException(PcclErrorCode.MasterLost, $"the window ended; {e.Message}", isTransient: true, e);
                    }
                }

                remaining = window - Stopwatch.GetElapsedTime(started);
                if (remaining <= delay || _stop.IsCancellationRequested)
                {
                    var failure = new PcclException(PcclErrorCode.MasterLost,
                        $"the master was lost ({reason.Message}) and no master of {masters} accepted this peer again within {window.TotalMilliseconds:0} ms " +
                        $"(fault_tolerance.master_reconnect_timeout_ms); last attempt: {last.Message}",
                        isTransient: false, last);
                    _logger.FollowFailed(failure.Message);
                    Outcomes.FailAll(failure);
                    throw failure;
                }

                await Task.Delay(delay, _stop.Token).ConfigureAwait(false);
                delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, MaxRetryDelay.Ticks));
            }
        }
        finally
        {
            await lost.DisposeAsync().ConfigureAwait(false); // late: calls that failed with the loss have unwound on it by now
        }
    }

    /// <summary>
    /// Votes waiting peers in until the group is as large as before the loss, or until a quarter of the reconnect window
    /// has passed in vote rounds that found nobody waiting (a member died with the leader). Every returning peer runs the
    /// same loop on the same world, so the accepted ones vote in step; they stop by counting the rounds they shared, not
    /// by their own clocks, so all stop after the same round (one that went on alone would wait in its vote for the others'
    /// next operation). The window stays the outer bound (<paramref name="ct"/> ends with it); the master's vote timeout
    /// bounds a peer that stops early.
    /// </summary>
    private async Task RegroupAsync(Registration next, int target, long started, TimeSpan window, CancellationToken ct)
    {
        try
        {
            var quietRoundsToStop = Math.Max(1, (int)(window / (4 * RegroupPoll)));
            var quietRounds = 0;
            while (next.Session.World.GroupSize < target && quietRounds < quietRoundsToStop && Stopwatch.GetElapsedTime(started) < window)
            {
                var pending = await next.Membership.VoteAsync(new ControlMessage { PendingPeersVote = new PendingPeersVote() }, ct).ConfigureAwait(false);
                if (pending is VoteReply.PeersPending { Pending: true })
                {
                    quietRounds = 0; // whoever this round admits starts counting from here too
                    await next.Membership.VoteAsync(new ControlMessage { TopologyVote = new TopologyVote() }, ct).ConfigureAwait(false);
                }
                else
                {
                    quietRounds++;
                    if (quietRounds < quietRoundsToStop)
                    {
                        await Task.Delay(RegroupPoll, ct).ConfigureAwait(false);
                    }
                }
            }
        }
        catch (OperationCanceledException e) when (ct.IsCancellationRequested)
        {
            await next.DisposeAsync().ConfigureAwait(false);
            throw new OperationCanceledException(
                $"stopped while voting in the peers of this peer's group under master {next.Session.MasterAddress} (a group of {next.Session.World.GroupSize} of the {target} before the loss)",
                e, ct);
        }
        catch
        {
            await next.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Stops following and leaves the run of the current master.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        await _stop.CancelAsync().ConfigureAwait(false);
        Outcomes.FailAll(new PcclException(PcclErrorCode.InvalidState, "the communicator was disposed"));
        Task<Registration>? following;
        lock (_gate)
        {
            following = _following;
        }

        if (following is not null)
        {
            try
            {
                await following.ConfigureAwait(false);
            }
            catch (Exception e) when (e is PcclException or OperationCanceledException)
            {
            }
        }

        if (Volatile.Read(ref _current) is { } current)
        {
            await current.DisposeAsync().ConfigureAwait(false);
        }

        _stop.Dispose();
    }
}
