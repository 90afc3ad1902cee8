using Pccl.Protocol.Messages;
using Pccl.Kernel;

namespace Pccl.Master.Core;

internal sealed partial class MasterCore
{
    private void OnTopologyVote(PeerRecord peer)
    {
        if (peer.Phase != PeerPhase.Accepted)
        {
            Kick(peer, KickReason.IllegalState, $"voted to update the topology while {peer.Phase.ToString().ToLowerInvariant()}, not accepted");
            return;
        }

        if (peer.VotedTopology || State.Topology is not null)
        {
            Kick(peer, KickReason.IllegalState, "voted to update the topology twice in one round");
            return;
        }

        if (!State.Accepted.Any(p => p.VotedTopology))
        {
            State.TopologyVoteSince = State.Now; // the first vote of a round; earlier voters may have left
        }

        peer.VotedTopology = true;
        CheckTopologyVote();
    }

    private void CheckTopologyVote()
    {
        var accepted = State.Accepted.ToList();
        if (State.Topology is not null || State.Optimization is not null || accepted.Count == 0 || !accepted.All(p => p.VotedTopology))
        {
            return;
        }

        foreach (var p in accepted)
        {
            p.VotedTopology = false;
        }

        State.TopologyVoteSince = null;
        StartTopologyRound();
    }

    /// <summary>
    /// Admits every waiting peer (unless a topology optimisation only reorders the rings, naming the rings to restore if
    /// the round fails): all members learn the new world and connect to their ring neighbours.
    /// </summary>
    private void StartTopologyRound(bool admitWaiting = true, Dictionary<uint, List<ulong>?>? previousRings = null)
    {
        var joiners = admitWaiting ? State.Waiting.ToList() : [];
        foreach (var j in joiners)
        {
            j.Phase = PeerPhase.Joining;
        }

        if (joiners.Count > 0 || previousRings is not null)
        {
            State.WorldRevision++;
        }

        var world = BuildWorld(includeJoining: true);
        var participants = State.Peers.Values.Where(p => p.Phase != PeerPhase.Registered).ToList();
        State.Topology = new TopologyRound(world, participants.Select(p => p.Id), joiners.Select(p => p.Id), State.Now) { PreviousRings = previousRings };
        foreach (var p in participants)
        {
            Send(p, new ControlMessage { TopologyUpdate = new TopologyUpdate { World = world } });
        }
    }

    private void OnP2PConnectResult(PeerRecord peer, P2PConnectResult result)
    {
        if (State.LateConnectReports.TryGetValue(peer.Id, out var failedRevision) && failedRevision == result.WorldRevision)
        {
            State.LateConnectReports.Remove(peer.Id);
            return;
        }

        var round = State.Topology;
        if (round is null || !round.Awaiting.Remove(peer.Id))
        {
            Kick(peer, KickReason.IllegalState, "reported a p2p connection result outside a topology update");
            return;
        }

        if (!result.Success)
        {
            round.Failures.Add($"peer {peer.Id}: {UntrustedText.Escape(result.Error)}"); // relayed to every participant: bounded
            round.FailedPeers.Add(peer.Id);
        }

        if (round.Awaiting.Count == 0)
        {
            FinishTopologyRound();
        }
    }

    private void FinishTopologyRound()
    {
        var round = State.Topology!;
        State.Topology = null;
        foreach (var id in round.Awaiting)
        {
            State.LateConnectReports[id] = round.World.Revision;
        }

        if (round.Failures.Count == 0)
        {
            var world = BuildWorldAfterJoin(round);
            foreach (var id in round.Participants)
            {
                Send(State.Peers[id], new ControlMessage { TopologyComplete = new TopologyComplete { World = world } });
            }

            return;
        }

        RestoreRings(round);

        // Joiners go back to waiting; members get a retryable failure and may vote again.
        foreach (var id in round.Joiners)
        {
            State.Peers[id].Phase = PeerPhase.Registered;
        }

        if (round.Joiners.Count > 0 || round.PreviousRings is not null)
        {
            State.WorldRevision++;
        }

        var failed = new TopologyFailed { Reason = string.Join("; ", round.Failures), World = BuildWorld(includeJoining: false) };
        failed.FailedPeerIds.AddRange(round.FailedPeers);
        foreach (var id in round.Participants)
        {
            Send(State.Peers[id], new ControlMessage { TopologyFailed = failed });
        }

        AdmitWaitingIfWorldEmpty();
    }

    /// <summary>A reordering whose round failed is undone: the peers still hold lanes to their old successors.</summary>
    private void RestoreRings(TopologyRound round)
    {
        foreach (var (group, ring) in round.PreviousRings ?? [])
        {
            if (ring is null)
            {
                State.RingOrders.Remove(group);
            }
            else
            {
                State.RingOrders[group] = ring;
            }
        }
    }

    private World BuildWorldAfterJoin(TopologyRound round)
    {
        foreach (var id in round.Joiners)
        {
            var joiner = State.Peers[id];
            joiner.Phase = PeerPhase.Accepted;
            joiner.BusyUntil = State.Now;
            Emit(new ReportMembership(MembershipChange.Accepted, id, $"{joiner.Address}:{joiner.P2PPort} group {joiner.Group}"));
        }

        return BuildWorld(includeJoining: false);
    }

    private void OnPendingPeersVote(PeerRecord peer)
    {
        if (peer.Phase != PeerPhase.Accepted || peer.VotedPending)
        {
            Kick(peer, KickReason.IllegalState, peer.VotedPending
                ? "asked whether peers are pending twice in one round"
                : $"asked whether peers are pending while {peer.Phase.ToString().ToLowerInvariant()}, not accepted");
            return;
        }

        if (!State.Accepted.Any(p => p.VotedPending))
        {
            State.PendingVoteSince = State.Now;
        }

        peer.VotedPending = true;
        CheckPendingPeersVote();
    }

    private void CheckPendingPeersVote()
    {
        var accepted = State.Accepted.ToList();
        if (accepted.Count == 0 || !accepted.All(p => p.VotedPending))
        {
            return;
        }

        State.PendingVoteSince = null;
        var answer = new ControlMessage { PendingPeersResult = new PendingPeersResult { Pending = State.Waiting.Any() } };
        foreach (var p in accepted)
        {
            p.VotedPending = false;
            Send(p, answer);
        }
    }
}
