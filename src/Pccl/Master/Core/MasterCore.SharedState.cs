using Pccl.Kernel;
using Pccl.Master.Core.StateSync;
using Pccl.Protocol.Codec;
using Pccl.Protocol.Messages;

namespace Pccl.Master.Core;

// Shared-state synchronisation, one round per peer group at a time:
//   gathering: every accepted member of the group sends SharedStateSyncRequest; the master elects
//              (SharedStateElection) against the group's last revision and sends each member its plan, or an abort
//              (MISMATCH / INVALID_ARGUMENT) naming the problem.
//   running:   receivers pull from donors peer to peer and report SharedStateSyncDone; when every receiver is done the
//              master records the revision and sends SharedStateSyncComplete to all. Nobody receives: complete at once.
// A lost peer:
//   gathering: its request is dropped and the survivors go on without it (no data has moved yet).
//   running:   it leaves the round. The round goes on while every tensor an unfinished receiver still needs has a
//              live donor (receivers move a lost donor's ranges to the others themselves); otherwise it aborts with
//              PEER_LOST, retryable. A lost receiver or idle peer does not disturb the others.
// A receiver that reports failure aborts the round for the others with PEER_FAILED, retryable.
internal sealed partial class MasterCore
{
    private void OnSharedStateSyncRequest(PeerRecord peer, SharedStateSyncRequest request)
    {
        if (peer.Phase != PeerPhase.Accepted)
        {
            Kick(peer, KickReason.IllegalState, $"synchronised shared state while {peer.Phase.ToString().ToLowerInvariant()}, not accepted");
            return;
        }

        if (request.Strategy.FromWire() is not { } strategy)
        {
            Kick(peer, KickReason.ProtocolViolation, $"sent shared-state strategy {(int)request.Strategy}, which this master does not know");
            return;
        }

        if (SharedStateRequestProblem(request) is { } problem)
        {
            Kick(peer, KickReason.LimitExceeded, problem);
            return;
        }

        if (!State.SharedStateSyncs.TryGetValue(peer.Group, out var round))
        {
            round = new SharedStateRound(peer.Group, State.Now);
            State.SharedStateSyncs[peer.Group] = round;
        }

        if (round.Running || round.Requests.ContainsKey(peer.Id))
        {
            Kick(peer, KickReason.IllegalState, "started a second shared-state synchronisation while one is in flight");
            return;
        }

        round.Requests[peer.Id] = new SharedStatePeerReport(
            peer.Id,
            request.Revision,
            strategy,
            [.. request.Tensors.Select(t => new SharedStateTensorReport(t.Key, t.DataType, t.ByteLength, t.Hash, t.AllowContentInequality))]);
        CheckSharedStateGathered(round);
        ResolvePhaseConflict(peer.Group);
    }

    private string? SharedStateRequestProblem(SharedStateSyncRequest request)
    {
        if (request.Tensors.Count > _limits.MaxSharedStateTensors)
        {
            return $"sent a shared-state sync of {request.Tensors.Count} tensors; the master accepts at most {_limits.MaxSharedStateTensors}: " +
                   "group small tensors into fewer, larger ones";
        }

        var longKey = request.Tensors.FirstOrDefault(t => t.Key.Length > _limits.MaxSharedStateKeyLength);
        return longKey is null
            ? null
            : $"sent a shared-state key of {longKey.Key.Length} characters; the master accepts at most {_limits.MaxSharedStateKeyLength}: use shorter keys";
    }

    private void CheckSharedStateGathered(SharedStateRound round)
    {
        var groupSize = AcceptedCountIn(round.Group);
        if (round.Running || (groupSize > 0 && round.Requests.Count < groupSize))
        {
            return;
        }

        var members = State.Accepted.Where(p => p.Group == round.Group).Select(p => p.Id).ToList();
        if (members.Count == 0)
        {
            State.SharedStateSyncs.Remove(round.Group);
            return;
        }

        if (!members.All(round.Requests.ContainsKey))
        {
            return;
        }

        ulong? last = State.SharedStateRevisions.TryGetValue(round.Group, out var known) ? known
            : State.StoredRevisions.TryGetValue(round.Group, out var stored) ? stored : null;
        var result = SharedStateElection.Elect(round.Group, last, [.. members.Select(id => round.Requests[id])]);
        if (result.Error is { } error)
        {
            var failure = error.Code == PcclErrorCode.InvalidArgument ? SharedStateSyncFailure.InvalidArgument : SharedStateSyncFailure.Mismatch;
            AbortSharedState(round, members, failure, error.Message, 0, error.Peers);
            return;
        }

        var plan = LocalDonors.Prefer(result.Plan!, id => State.Peers[id].Region);
        round.Plan = plan;
        round.RunningSince = State.Now;
        round.Sequence = ++State.LastSequence;
        round.Participants.UnionWith(members);
        foreach (var receiver in plan.Peers.Where(p => p.Receive.Count > 0))
        {
            round.AwaitingDone.Add(receiver.PeerId);
            round.ReceiveLimits[receiver.PeerId] = _limits.SharedStateLimitFor(receiver.RxBytes);
        }

        var assignments = plan.Peers.ToDictionary(p => p.PeerId);
        var grants = GrantsByDonor(plan);
        foreach (var id in members)
        {
            Send(State.Peers[id], new ControlMessage { SharedStateTransferPlan = PlanFor(assignments[id], grants, round) });
        }

        if (round.AwaitingDone.Count == 0)
        {
            CompleteSharedState(round);
        }
    }

    private SharedStateTransferPlan PlanFor(
        PeerSyncAssignment assignment, Dictionary<ulong, SortedDictionary<ulong, SortedSet<string>>> grantsByDonor, SharedStateRound round)
    {
        var message = new SharedStateTransferPlan { Sequence = round.Sequence, Revision = round.Plan!.Revision };
        foreach (var tensor in assignment.Receive)
        {
            var receive = new SharedStateReceive { Key = tensor.Key, Hash = tensor.Hash, ByteLength = tensor.ByteLength };
            receive.DonorIds.AddRange(tensor.Donors);
            message.Receive.Add(receive);
        }

        foreach (var donor in assignment.Donors.Select(id => State.Peers[id]))
        {
            message.Donors.Add(new SharedStateDonor { PeerId = donor.Id, Address = donor.Address, P2PPort = donor.P2PPort });
        }

        if (grantsByDonor.TryGetValue(assignment.PeerId, out var grants))
        {
            foreach (var (receiver, keys) in grants)
            {
                var grant = new SharedStateGrant { ReceiverId = receiver };
                grant.Keys.AddRange(keys);
                message.Grants.Add(grant);
            }
        }

        return message;
    }

    /// <summary>
    /// What each donor may serve, by receiver ascending: a receiver may pull any of its keys from any donor of that key
    /// (lost donors' ranges move), so each donor grants it every one of its keys the donor holds. One pass over the plan,
    /// not one per member.
    /// </summary>
    private static Dictionary<ulong, SortedDictionary<ulong, SortedSet<string>>> GrantsByDonor(SharedStateSyncPlan plan)
    {
        var byDonor = new Dictionary<ulong, SortedDictionary<ulong, SortedSet<string>>>();
        foreach (var receiver in plan.Peers)
        {
            foreach (var tensor in receiver.Receive)
            {
                foreach (var donor in tensor.Donors)
                {
                    if (!byDonor.TryGetValue(donor, out var grants))
                    {
                        byDonor[donor] = grants = [];
                    }

                    if (!grants.TryGetValue(receiver.PeerId, out var keys))
                    {
                        grants[receiver.PeerId] = keys = new SortedSet<string>(StringComparer.Ordinal);
                    }

                    keys.Add(tensor.Key);
                }
            }
        }

        return byDonor;
    }

    private void OnSharedStateSyncDone(PeerRecord peer, SharedStateSyncDone done)
    {
        if (!State.SharedStateSyncs.TryGetValue(peer.Group, out var round) || round.Sequence != done.Sequence
            || !round.AwaitingDone.Contains(peer.Id))
        {
            return; // the round ended already: a late report, not an error
        }

        if (!done.Success)
        {
            AbortSharedState(round, round.Participants.Where(id => id != peer.Id), SharedStateSyncFailure.PeerFailed,
                $"peer {peer.Id} failed to receive its shared state: {UntrustedText.Escape(done.Error)}", 0, [peer.Id]);
            return;
        }

        round.AwaitingDone.Remove(peer.Id);
        if (round.AwaitingDone.Count == 0)
        {
            CompleteSharedState(round);
        }
    }

    /// <summary>Called after <paramref name="peer"/> was removed from the run.</summary>
    private void OnSharedStatePeerLost(PeerRecord peer, string reason)
    {
        if (State.SharedStateSyncs.TryGetValue(peer.Group, out var round))
        {
            if (!round.Running)
            {
                round.Requests.Remove(peer.Id); // ReCheckConsensus lets the survivors go on
            }
            else if (round.Participants.Remove(peer.Id))
            {
                round.AwaitingDone.Remove(peer.Id);
                round.Lost.Add(peer.Id);
                var orphan = FirstOrphanedTensor(round);
                if (orphan is { } o)
                {
                    AbortSharedState(round, round.Participants, SharedStateSyncFailure.PeerLost,
                        $"peer {peer.Id} was lost ({reason}) and no remaining peer holds the elected content of shared-state key '{o.Key}' " +
                        $"that peer {o.Receiver} still needs; retry the synchronisation", peer.Id, [peer.Id]);
                }
                else if (round.AwaitingDone.Count == 0)
                {
                    CompleteSharedState(round);
                }
            }
        }

        if (!State.Peers.Values.Any(p => p.Group == peer.Group && p.Phase != PeerPhase.Registered))
        {
            State.SharedStateRevisions.Remove(peer.Group);
        }
    }

    private (ulong Receiver, string Key)? FirstOrphanedTensor(SharedStateRound round)
    {
        foreach (var receiver in round.AwaitingDone.Order())
        {
            var orphan = round.Plan!.For(receiver).Receive.FirstOrDefault(t => t.Donors.All(round.Lost.Contains));
            if (orphan is not null)
            {
                return (receiver, orphan.Key);
            }
        }

        return null;
    }

    private void CompleteSharedState(SharedStateRound round)
    {
        State.SharedStateSyncs.Remove(round.Group);
        State.SharedStateRevisions[round.Group] = round.Plan!.Revision;
        State.StoredRevisions.Remove(round.Group);
        Emit(new RecordRevision(round.Group, round.Plan.Revision, round.Plan.Tensors.ToDictionary(t => t.Key, t => t.Hash, StringComparer.Ordinal)));
        var complete = new ControlMessage { SharedStateSyncComplete = new SharedStateSyncComplete { Sequence = round.Sequence, Revision = round.Plan.Revision } };
        foreach (var id in round.Participants)
        {
            if (State.Peers.TryGetValue(id, out var p))
            {
                Send(p, complete);
            }
        }
    }

    private void AbortSharedState(
        SharedStateRound round, IEnumerable<ulong> recipients, SharedStateSyncFailure failure, string reason, ulong lostPeer, IEnumerable<ulong> atFault)
    {
        State.SharedStateSyncs.Remove(round.Group);
        var abort = new SharedStateSyncAbort { Sequence = round.Sequence, Failure = failure, Reason = reason, LostPeerId = lostPeer };
        abort.PeersAtFault.AddRange(atFault.Order());
        var message = new ControlMessage { SharedStateSyncAbort = abort };
        foreach (var id in recipients.ToList())
        {
            if (State.Peers.TryGetValue(id, out var p))
            {
                Send(p, message);
            }
        }
    }
}
