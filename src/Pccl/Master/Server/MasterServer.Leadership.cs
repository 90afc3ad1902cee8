using Microsoft.Extensions.Logging;
using Pccl.Master.Core;
using Pccl.Master.Leadership;
using Pccl.Master.Store;
using Pccl.Telemetry;

namespace Pccl.Master.Server;

/// <summary>The master's terms: serving while its <see cref="LeaderLease"/> holds, stepping down when it ends.</summary>
internal sealed partial class MasterServer
{
    /// <summary>Serves, stops serving or starts a new term as the lease says; runs on the event loop (and once at start).</summary>
    private void FollowLease()
    {
        var term = _lease.Term;
        if (term?.Epoch == _servingEpoch)
        {
            return;
        }

        if (_servingEpoch != 0)
        {
            StepDown(term is null ? "the leader lease could not be renewed in time (the store is unreachable or this process was paused)" : $"a new term {term.Epoch} began");
        }

        if (term is not null)
        {
            _core.Handle(new RevisionsRestored(term.Revisions));
            Volatile.Write(ref _servingEpoch, term.Epoch);
            _announcedStandby = false;
            _telemetry.SetLeadership(true, term.Epoch, tookOver: term.Epoch > 1);
            _logger.LeadershipWon(_lease.Address, term.Epoch, _lease.StoreDescription);
        }
        else if (!_announcedStandby)
        {
            _announcedStandby = true;
            _telemetry.SetLeadership(false, _lease.LastEpoch, tookOver: false);
            _logger.StandingBy(_lease.LeaderAddress.Length > 0 ? _lease.LeaderAddress : "unknown (no master holds the lease)");
        }
    }

    /// <summary>
    /// Ends the term at once: every peer connection is cut without another word (the peers' next master tells them the
    /// rest) and the core's state is dropped; the next term starts from the store.
    /// </summary>
    private void StepDown(string reason)
    {
        _logger.LeadershipLost(_servingEpoch, reason);
        foreach (var c in _connections.Values)
        {
            c.Abort("the master stopped leading: " + reason);
            _ = c.DisposeAsync().AsTask();
        }

        foreach (var peer in _core.State.Peers.Keys)
        {
            _heartbeats?.Forget(peer);
        }

        _connections.Clear();
        _core = new MasterCore(MasterLimits.From(_options));
        Volatile.Write(ref _servingEpoch, 0);
        Volatile.Write(ref _registeredPeers, 0);
        _telemetry.SetPeerCount(0);
        _telemetry.SetLeadership(false, _lease.LastEpoch, tookOver: false);
        _announcedStandby = false;
    }

    /// <summary>Writes a completed sync to the store after the writes before it; the store ignores it once the term is over.</summary>
    private async Task RecordAsync(Task previous, ulong epoch, GroupRevision revision)
    {
        await previous.ConfigureAwait(false);
        try
        {
            using var timeout = new CancellationTokenSource(_options.LeaseTtl);
            await _lease.RecordAsync(epoch, revision, timeout.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is PcclException or OperationCanceledException or System.Data.Common.DbException)
        {
            _logger.RevisionNotRecorded(revision.Group, revision.Revision, _lease.StoreDescription, e.Message);
        }
    }

    /// <summary>What <c>/status</c> shows of the lease.</summary>
    private LeadershipStatus Leadership() => new(_servingEpoch != 0, _servingEpoch != 0 ? _servingEpoch : _lease.LastEpoch,
        _servingEpoch != 0 ? _lease.Address : _lease.LeaderAddress, _lease.Expires);
}
