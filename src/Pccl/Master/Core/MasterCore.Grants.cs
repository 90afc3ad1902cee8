using Pccl.Protocol.Messages;

namespace Pccl.Master.Core;

// Start grants. When an operation completes in a group whose world is unchanged and where nothing else waits, its
// complete grants the next operation on the same tag: the master starts it at once (sequence, lane, ring, hierarchy)
// with the finished operation's parameters, and a peer whose next all-reduce on the tag has those parameters runs it
// without waiting for a start, sending an init marked with the granted sequence. From the grant on the operation is
// running: a lost peer aborts it like any other. A participant that asks for something else before taking it (an
// all-reduce with other parameters, a topology or optimisation vote, a shared-state sync) makes the master cancel it:
// every participant is aborted, so those already running it restore and retry, and the others retire its lane. One
// grant per tag at most, and only to participants that all registered for grants, so no peer ever runs an operation
// the others cannot join.
internal sealed partial class MasterCore
{
    /// <summary>
    /// Completions on a tag that go without a grant after a shared-state sync or an all-reduce with other parameters
    /// cancelled one there: a workload that interleaves them every step would otherwise pay a cancelled grant (and its
    /// retired lane) every step. Votes change the world rarely and pause nothing.
    /// </summary>
    internal const int GrantPauseAfterCancel = 16;

    /// <summary>Tells the participants <paramref name="finished"/> completed, granting the next operation on its tag where allowed.</summary>
    private void SendComplete(CollectiveRound finished)
    {
        var complete = new CollectiveComplete { Tag = finished.Tag, Sequence = finished.Sequence!.Value };
        var members = finished.Participants.Select(id => State.Peers[id]).ToList();
        if (GrantNext(finished, members) is not { } grant)
        {
            var message = new ControlMessage { CollectiveComplete = complete };
            foreach (var peer in members)
            {
                Send(peer, message);
            }

            return;
        }

        SendWithRing(members, grant.Start, grant.RingRevision, start =>
        {
            var granting = complete.Clone();
            granting.Grant = new CollectiveGrant { Start = start, Parameters = grant.Parameters };
            return new ControlMessage { CollectiveComplete = granting };
        });
    }

    /// <summary>Starts the next operation on <paramref name="finished"/>'s tag as a grant, or returns null when the group may not have one.</summary>
    private (CollectiveStart Start, ulong RingRevision, CollectiveDescriptor Parameters)? GrantNext(CollectiveRound finished, List<PeerRecord> members)
    {
        var key = (finished.Group, finished.Tag);
        if (State.GrantPauses.TryGetValue(key, out var paused))
        {
            if (paused <= 1)
            {
                State.GrantPauses.Remove(key);
            }
            else
            {
                State.GrantPauses[key] = paused - 1;
            }

            return null;
        }

        if (!MayGrant(finished.Group, members) || finished.Inits.Values.FirstOrDefault() is not { } parameters)
        {
            return null;
        }

        var round = new CollectiveRound(finished.Group, finished.Tag, State.Now) { Granted = parameters };
        var (start, revision) = PlanStart(round, members, parameters);
        State.Collectives[key] = round;
        return (start, revision, parameters);
    }

    /// <summary>
    /// A grant only for the group's whole, unchanged world of peers that take grants, with no admission, vote,
    /// optimisation or shared-state sync under way anywhere it could conflict with.
    /// </summary>
    private bool MayGrant(uint group, List<PeerRecord> members) =>
        members.Count >= 2
        && members.TrueForAll(p => p is { TakesGrants: true, Phase: PeerPhase.Accepted })
        && AcceptedCountIn(group) == members.Count
        && State.Topology is null
        && State.Optimization is null
        && !State.SharedStateSyncs.ContainsKey(group)
        && !State.Peers.Values.Any(p => p.Phase != PeerPhase.Accepted || p.VotedTopology || p.VotedOptimize);

    /// <summary>A peer took the grant: it runs the operation already and expects no start.</summary>
    private void OnGrantTaken(PeerRecord peer, CollectiveInit init)
    {
        if (!State.Collectives.TryGetValue((peer.Group, init.Tag), out var round) || round.Granted is null
            || round.Sequence != init.GrantedSequence || !round.Participants.Contains(peer.Id))
        {
            return; // cancelled or aborted already: the abort went to this peer before anything the master sends it next
        }

        var parameters = init.Parameters ?? new CollectiveDescriptor();
        if (!round.Inits.TryAdd(peer.Id, parameters))
        {
            Kick(peer, KickReason.IllegalState, $"took the start grant of operation {init.GrantedSequence} on tag {init.Tag} twice");
            return;
        }

        peer.TagsInFlight++;
        round.ClaimedSince ??= State.Now;
        if (!parameters.Equals(round.Granted))
        {
            AbortRound(round, round.Participants.Where(State.Peers.ContainsKey), CollectiveFailure.Mismatch,
                $"peer {peer.Id} took the start grant of operation {init.GrantedSequence} on tag {init.Tag} with other parameters than it was granted with", 0);
        }
    }

    /// <summary>A request that cancels a grant its sender has not taken, in words, and whether it pauses grants; null for one that leaves grants alone.</summary>
    private static (string What, bool Pauses)? GrantCancellingRequest(ControlMessage.BodyOneofCase request) => request switch
    {
        ControlMessage.BodyOneofCase.TopologyVote => ("voted to update the topology", false),
        ControlMessage.BodyOneofCase.TopologyOptimizeVote => ("voted to optimize the topology", false),
        ControlMessage.BodyOneofCase.SharedStateSyncRequest => ("asked for a shared-state sync", true),
        _ => null,
    };

    /// <summary>Cancels every grant in <paramref name="peer"/>'s group that it has not taken: it asked for something else.</summary>
    private void CancelGrantsUnclaimedBy(PeerRecord peer, (string What, bool Pauses) request)
    {
        foreach (var round in State.Collectives.Values
                     .Where(r => r.Group == peer.Group && r.Granted is not null && r.Participants.Contains(peer.Id) && !r.Inits.ContainsKey(peer.Id)).ToList())
        {
            CancelGrant(round, $"peer {peer.Id} {request.What} instead of taking it", request.Pauses);
        }
    }

    /// <summary>Aborts a granted operation for every participant; <paramref name="pause"/>: and pauses grants on its tag.</summary>
    private void CancelGrant(CollectiveRound round, string why, bool pause)
    {
        if (pause)
        {
            State.GrantPauses[(round.Group, round.Tag)] = GrantPauseAfterCancel;
        }

        AbortRound(round, round.Participants.Where(State.Peers.ContainsKey), CollectiveFailure.GrantCancelled,
            $"the master cancelled the start grant of operation {round.Sequence} on tag {round.Tag}: {why}", 0);
    }
}
