using System.Collections.Concurrent;
using Pccl.Operations.Session;
using Pccl.Protocol.Messages;
using Pccl.Telemetry;

namespace Pccl.Operations.Collectives;

/// <summary>
/// The all-reduces in flight on this peer, by tag, and the master's collective messages routed to them on the control
/// link's read loop. A start nobody takes is refused; an abort retires the aborted operation's lanes at once.
/// </summary>
internal sealed class CollectiveRouter(PeerSession session, RingIoGate ioGate, AllReduceWithdrawal withdrawal, CollectiveOutcomes? outcomes)
{
    private readonly ConcurrentDictionary<uint, CollectiveCall> _calls = new();
    private readonly HeldGrants _grants = new();

    public bool TryAdd(CollectiveCall call) => _calls.TryAdd(call.Tag, call);

    /// <summary>
    /// Starts <paramref name="call"/> on its tag's start grant when it was granted with <paramref name="parameters"/>,
    /// exactly as the master's start would; returns the start, or null when the call must ask the master.
    /// </summary>
    public CollectiveStart? TryTakeGrant(CollectiveCall call, CollectiveDescriptor parameters) =>
        _grants.Take(call.Tag, parameters, start =>
        {
            ioGate.Expect(start.Sequence);
            call.OnMessage(new ControlMessage { CollectiveStart = start });
        });

    public void Remove(uint tag) => _calls.TryRemove(tag, out _);

    public void OnStart(ControlMessage message)
    {
        var start = message.CollectiveStart;
        session.NoteSequence(start.Sequence);
        ioGate.Expect(start.Sequence);
        Route(start.Tag, message);
    }

    public void OnAbort(ControlMessage message)
    {
        var abort = message.CollectiveAbort;
        if (abort.Sequence != 0)
        {
            session.FaultInjector?.FailureMilestoneReached(abort.Sequence, Faults.FailureMilestone.AbortReceived);
        }

        session.NoteSequence(abort.Sequence);
        ioGate.Withdraw(abort.Sequence);
        if (abort.Sequence != 0 && _grants.Drop(abort.Tag, abort.Sequence) is { } granted)
        {
            // a neighbour that took the grant may have opened links for it or written into the lane's links already
            session.Logger.StartGrantDropped(abort.Tag, abort.Sequence, abort.Reason);
            _ = AllReduceWithdrawal.RetireLanes(session.Lanes, granted, session.PeerId).CloseInBackground();
        }

        Route(abort.Tag, message);
        RetireAbortedLanes(abort);
    }

    public void OnMessage(uint tag, ControlMessage message) => Route(tag, message);

    /// <summary>Recorded before the call hears it: a master lost right after must find it completed in the next registration's report.</summary>
    public void OnComplete(ControlMessage message)
    {
        var complete = message.CollectiveComplete;
        outcomes?.Completed(session.MasterEpoch, session.PeerId, complete.Tag, complete.Sequence);
        if (complete.Grant is { Start: { } granted } grant)
        {
            // held before the call hears of its completion, so the caller's next call on the tag finds it
            session.NoteSequence(granted.Sequence);
            _grants.Hold(grant);
        }

        Route(complete.Tag, message);
    }

    /// <summary>A new leader's verdict on an operation of a lost master that this peer held in doubt.</summary>
    public void OnResolved(CollectiveResolved verdict) => outcomes?.OnResolved(verdict);

    /// <summary>The master is gone: every call fails with <paramref name="reason"/>.</summary>
    public void MasterLost(PcclException reason)
    {
        _grants.DropAll();
        foreach (var call in _calls.Values)
        {
            call.MasterLost(reason);
        }
    }

    private void Route(uint tag, ControlMessage message)
    {
        if (_calls.TryGetValue(tag, out var call) && call.OnMessage(message))
        {
            return;
        }

        if (message.BodyCase == ControlMessage.BodyOneofCase.CollectiveStart)
        {
            // Started just as the caller gave up: refuse it so the others are aborted instead of waiting for this peer.
            var start = message.CollectiveStart;
            ioGate.Withdraw(start.Sequence);
            _ = RetireAndReportAsync(start);
        }
    }

    private async Task RetireAndReportAsync(CollectiveStart start)
    {
        // its neighbours may have opened links for it already, or write into older ones before their abort arrives
        _ = AllReduceWithdrawal.RetireLanes(session.Lanes, start, session.PeerId).CloseInBackground();
        await withdrawal.ReportFailureAsync(start, new PcclException(PcclErrorCode.Aborted, $"peer {session.PeerId} withdrew the operation before it started", true)).ConfigureAwait(false);
    }

    /// <summary>
    /// Retires the lanes of a started operation the master aborted, here on the control link's thread: the start of the
    /// next operation on those lanes comes after the abort on this link, so it can no longer find this one's links,
    /// whenever the aborted operation's own path gets round to its tidying up.
    /// </summary>
    private void RetireAbortedLanes(CollectiveAbort abort)
    {
        if (abort.Sequence != 0 && _calls.TryGetValue(abort.Tag, out var call)
            && call.Started.IsCompletedSuccessfully && call.Started.Result is { } start && start.Sequence == abort.Sequence)
        {
            _ = AllReduceWithdrawal.RetireLanes(session.Lanes, start, session.PeerId).CloseInBackground();
        }
    }
}
