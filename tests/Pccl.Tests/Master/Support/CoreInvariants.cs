using Pccl.Master.Core;

namespace Pccl.Tests.Master.Support;

/// <summary>
/// What must hold between any two events, whatever the peers did: no accepted peer waits on a consensus that can no
/// longer complete, running collectives involve only live members, each peer's count of tags in flight is right, lanes of a group's running collectives differ, the
/// world revision never goes back, and (given the limits) no wait has outlived its deadline.
/// </summary>
internal sealed class CoreInvariants(MasterLimits? limits = null)
{
    private ulong _lastRevision;

    public void Check(MasterState state)
    {
        Assert.True(state.WorldRevision >= _lastRevision, $"world revision went back from {_lastRevision} to {state.WorldRevision}");
        _lastRevision = state.WorldRevision;

        CheckBookkeeping(state);
        CheckVotes(state);
        CheckTopologyRound(state);
        CheckCollectives(state);
        if (limits is not null)
        {
            CheckDeadlines(state, limits);
        }
    }

    /// <summary>
    /// Time moves only by ticks, and each tick ends every wait past its limit, so none is ever found expired. A vote or
    /// gathering waits on a peer busy in a running operation from when it became free.
    /// </summary>
    private static void CheckDeadlines(MasterState state, MasterLimits limits)
    {
        void Alive(TimeSpan since, TimeSpan limit, string what) =>
            Assert.True(state.Now - since < limit, $"{what} has waited {(state.Now - since).TotalMilliseconds:0} ms, past its {limit.TotalMilliseconds:0} ms");

        void Waiting(IEnumerable<PeerRecord> missing, TimeSpan since, string what)
        {
            foreach (var p in missing)
            {
                Alive(p.BusyUntil > since ? p.BusyUntil : since, limits.VoteTimeout, $"{what}, on peer {p.Id},");
            }
        }

        Assert.All(state.Unregistered, u => Alive(u.Value, limits.RegistrationTimeout, $"unregistered connection {u.Key}"));
        if (state.Topology is { } round)
        {
            Alive(round.StartedAt, limits.TopologyTimeout, "the topology round");
        }

        if (state.TopologyVoteSince is { } vote && state.Accepted.Any(p => p.VotedTopology))
        {
            Waiting(state.Accepted.Where(p => !p.VotedTopology), vote, "the topology vote");
        }

        if (state.PendingVoteSince is { } pending && state.Accepted.Any(p => p.VotedPending))
        {
            Waiting(state.Accepted.Where(p => !p.VotedPending), pending, "the pending-peers vote");
        }

        foreach (var c in state.Collectives.Values.Where(c => !c.Running))
        {
            Waiting(state.Accepted.Where(p => p.Group == c.Group && !c.Inits.ContainsKey(p.Id)), c.GatheringSince, $"collective ({c.Group},{c.Tag})");
        }

        foreach (var sync in state.SharedStateSyncs.Values)
        {
            if (sync.Running)
            {
                Assert.All(sync.AwaitingDone, id =>
                    Alive(sync.RunningSince, limits.SharedStateLimitFor(sync.Plan!.For(id).RxBytes), $"the shared-state transfer of group {sync.Group} to peer {id}"));
            }
            else
            {
                Waiting(state.Accepted.Where(p => p.Group == sync.Group && !sync.Requests.ContainsKey(p.Id)), sync.GatheringSince,
                    $"the shared-state gathering of group {sync.Group}");
            }
        }
    }

    private static void CheckBookkeeping(MasterState state)
    {
        foreach (var (connection, id) in state.PeerByConnection)
        {
            Assert.True(state.Connections.ContainsKey(connection), $"peer {id} maps to closed connection {connection}");
            Assert.True(state.Peers.TryGetValue(id, out var peer), $"connection {connection} maps to unknown peer {id}");
            Assert.Equal(connection, peer.ConnectionId);
        }

        Assert.Equal(state.Peers.Count, state.PeerByConnection.Count);
        Assert.Empty(state.Unregistered.Keys.Intersect(state.PeerByConnection.Keys));
        Assert.Equal(state.Connections.Keys.Order(), state.Unregistered.Keys.Concat(state.PeerByConnection.Keys).Order());
        Assert.All(state.Peers.Keys, id => Assert.True(id < state.NextPeerId, $"peer id {id} not below next id {state.NextPeerId}"));
    }

    private static void CheckVotes(MasterState state)
    {
        var accepted = state.Accepted.ToList();
        foreach (var p in state.Peers.Values.Where(p => p.Phase != PeerPhase.Accepted))
        {
            Assert.False(p.VotedTopology || p.VotedPending, $"peer {p.Id} in phase {p.Phase} holds a vote");
        }

        if (accepted.Count == 0)
        {
            return;
        }

        Assert.False(state.Topology is null && accepted.All(p => p.VotedTopology),
            $"every accepted peer ({Ids(accepted)}) voted to update the topology but no round started");
        Assert.False(accepted.All(p => p.VotedPending),
            $"every accepted peer ({Ids(accepted)}) asked whether peers are pending but got no answer");
    }

    private static void CheckTopologyRound(MasterState state)
    {
        if (state.Topology is not { } round)
        {
            Assert.DoesNotContain(state.Peers.Values, p => p.Phase == PeerPhase.Joining);
            return;
        }

        Assert.NotEmpty(round.Awaiting); // an empty one must have finished
        Assert.Subset(round.Participants, round.Awaiting);
        Assert.Subset(round.Participants, round.Joiners);
        foreach (var id in round.Participants)
        {
            Assert.True(state.Peers.TryGetValue(id, out var p), $"topology round waits on lost peer {id}");
            Assert.Equal(round.Joiners.Contains(id) ? PeerPhase.Joining : PeerPhase.Accepted, p.Phase);
        }

        Assert.All(state.Accepted, p => Assert.Contains(p.Id, round.Participants));
    }

    private static void CheckCollectives(MasterState state)
    {
        foreach (var ((group, tag), round) in state.Collectives)
        {
            Assert.Equal((group, tag), (round.Group, round.Tag));
            var members = state.Accepted.Where(p => p.Group == group).Select(p => p.Id).ToHashSet();
            if (round.Running)
            {
                foreach (var id in round.Participants)
                {
                    Assert.True(state.Peers.TryGetValue(id, out var p) && p.Phase == PeerPhase.Accepted && p.Group == group,
                        $"running collective ({group},{tag}) seq {round.Sequence} includes peer {id}, which is gone or not a member");
                }

                Assert.True(round.Participants.Count >= 2, $"collective ({group},{tag}) runs with {round.Participants.Count} peer(s)");
                Assert.Subset(round.Participants, round.Done);
                Assert.False(round.Done.IsSupersetOf(round.Participants), $"collective ({group},{tag}) is done but not completed");
            }
            else
            {
                Assert.All(round.Inits.Keys, id => Assert.Contains(id, members));
                Assert.False(members.All(round.Inits.ContainsKey), $"collective ({group},{tag}) gathered every member but did not start or abort");
            }
        }

        foreach (var group in state.Collectives.Values.Where(r => r.Running).GroupBy(r => r.Group))
        {
            var lanes = group.Select(r => r.Lane).ToList();
            Assert.True(lanes.Distinct().Count() == lanes.Count, $"group {group.Key} runs collectives on lanes {string.Join(",", lanes)}");
        }

        foreach (var peer in state.Peers.Values)
        {
            var holding = state.Collectives.Values.Count(r => r.Group == peer.Group && r.Inits.ContainsKey(peer.Id));
            Assert.True(peer.TagsInFlight == holding, $"peer {peer.Id} counts {peer.TagsInFlight} tags in flight but {holding} rounds hold its init");
        }

        var sequences = state.Collectives.Values.Where(r => r.Running).Select(r => r.Sequence!.Value).ToList();
        Assert.Equal(sequences.Count, sequences.Distinct().Count());
        Assert.All(sequences, s => Assert.True(s <= state.LastSequence));
    }

    private static string Ids(IEnumerable<PeerRecord> peers) => string.Join(",", peers.Select(p => p.Id));
}
