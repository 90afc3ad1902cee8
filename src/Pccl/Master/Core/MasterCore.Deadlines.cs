using Pccl.Protocol.Messages;

namespace Pccl.Master.Core;

// Every wait of the master has a deadline, checked on each tick. Whoever is still silent when one passes is kicked
// with a message that names the wait and the key to raise; its departure re-checks every consensus like any other
// loss, so the others go on without it (a failed topology round is voted again, a gathering starts without it).
// A peer busy in a running collective or shared-state round (of any group) cannot vote or start anything until that
// ends, and that may take minutes: a vote or gathering counts its lateness from when it became free, not from the
// first vote.
internal sealed partial class MasterCore
{
    private void EnforceDeadlines()
    {
        MarkBusyPeers();
        foreach (var (connection, since) in State.Unregistered.Where(u => Expired(u.Value, _limits.RegistrationTimeout)).ToList())
        {
            KickConnection(connection, KickReason.DeadlineMissed, DeadlineMessage(
                "register", since, _limits.RegistrationTimeout, "registration_timeout_ms", "the master closes connections that do not register"));
        }

        if (State.TopologyVoteSince is { } voteSince && Expired(voteSince, _limits.VoteTimeout) && State.Accepted.Any(p => p.VotedTopology))
        {
            KickLate(State.Accepted.Where(p => !p.VotedTopology && LateWhileFree(p, voteSince, _limits.VoteTimeout)),
                "vote to update the topology", voteSince, _limits.VoteTimeout, "vote_timeout_ms");
        }

        if (State.PendingVoteSince is { } pendingSince && Expired(pendingSince, _limits.VoteTimeout) && State.Accepted.Any(p => p.VotedPending))
        {
            KickLate(State.Accepted.Where(p => !p.VotedPending && LateWhileFree(p, pendingSince, _limits.VoteTimeout)),
                "ask whether peers are pending", pendingSince, _limits.VoteTimeout, "vote_timeout_ms");
        }

        if (State.OptimizeVoteSince is { } optimizeSince && Expired(optimizeSince, _limits.VoteTimeout) && State.Accepted.Any(p => p.VotedOptimize))
        {
            KickLate(State.Accepted.Where(p => !p.VotedOptimize && LateWhileFree(p, optimizeSince, _limits.VoteTimeout)),
                "vote to optimize the topology", optimizeSince, _limits.VoteTimeout, "vote_timeout_ms");
        }

        if (State.Optimization is { } optimization && Expired(optimization.StepStartedAt, _limits.TopologyTimeout + _limits.BandwidthTestDuration))
        {
            KickLate(optimization.Awaiting.Select(p => State.Peers[p.From]).Distinct(), "report its bandwidth measurement", optimization.StepStartedAt,
                _limits.TopologyTimeout + _limits.BandwidthTestDuration, "topology_timeout_ms");
        }

        if (State.Topology is { } round && Expired(round.StartedAt, _limits.TopologyTimeout))
        {
            KickLate(round.Awaiting.Select(id => State.Peers[id]), "report its ring connections in the topology update", round.StartedAt,
                _limits.TopologyTimeout, "topology_timeout_ms");
        }

        foreach (var collective in State.Collectives.Values.Where(r => !r.Running && Expired(r.GatheringSince, _limits.VoteTimeout)).ToList())
        {
            if (collective.Running || !State.Collectives.ContainsKey((collective.Group, collective.Tag)))
            {
                continue; // an earlier kick let it start, or ended it
            }

            KickLate(State.Accepted.Where(p => p.Group == collective.Group && !collective.Inits.ContainsKey(p.Id)
                    && LateWhileFree(p, collective.GatheringSince, _limits.VoteTimeout)),
                $"start the collective on tag {collective.Tag} that the others started", collective.GatheringSince, _limits.VoteTimeout, "vote_timeout_ms");
        }

        foreach (var granted in State.Collectives.Values.Where(r => r is { Granted: not null, ClaimedSince: { } since } && Expired(since, _limits.VoteTimeout)).ToList())
        {
            if (State.Collectives.GetValueOrDefault((granted.Group, granted.Tag)) != granted)
            {
                continue; // an earlier kick ended it
            }

            var claimed = granted.ClaimedSince!.Value;
            KickLate(granted.Participants.Where(id => !granted.Inits.ContainsKey(id) && State.Peers.ContainsKey(id)).Select(id => State.Peers[id])
                    .Where(p => LateWhileFree(p, claimed, _limits.VoteTimeout)),
                $"take the start grant on tag {granted.Tag} that the others took", claimed, _limits.VoteTimeout, "vote_timeout_ms");
        }

        foreach (var sync in State.SharedStateSyncs.Values.ToList())
        {
            if (State.SharedStateSyncs.GetValueOrDefault(sync.Group) != sync)
            {
                continue;
            }

            if (!sync.Running && Expired(sync.GatheringSince, _limits.VoteTimeout))
            {
                KickLate(State.Accepted.Where(p => p.Group == sync.Group && !sync.Requests.ContainsKey(p.Id)
                    && LateWhileFree(p, sync.GatheringSince, _limits.VoteTimeout)),
                    "request the shared-state sync that the others requested", sync.GatheringSince, _limits.VoteTimeout, "vote_timeout_ms");
            }
            else if (sync.Running)
            {
                foreach (var id in sync.AwaitingDone.Where(id => Expired(sync.RunningSince, sync.ReceiveLimits[id])).ToList())
                {
                    KickLate([State.Peers[id]], "receive its shared state", sync.RunningSince, sync.ReceiveLimits[id],
                        "shared_state_timeout_ms (or lower fault_tolerance.shared_state_min_bytes_per_s)");
                }
            }
        }
    }

    private bool Expired(TimeSpan since, TimeSpan limit) => State.Now - since >= limit;

    private void MarkBusyPeers()
    {
        foreach (var id in BusyPeerIds())
        {
            if (State.Peers.TryGetValue(id, out var peer))
            {
                peer.BusyUntil = State.Now;
            }
        }
    }

    private IEnumerable<ulong> BusyPeerIds() =>
        State.Collectives.Values.Where(r => r.Running).SelectMany(r => r.Granted is null ? r.Participants : (IEnumerable<ulong>)r.Inits.Keys) // a grant busies only those who took it
            .Concat(State.SharedStateSyncs.Values.Where(r => r.Running).SelectMany(r => r.Participants));

    /// <summary>Whether <paramref name="peer"/> has been free for the whole limit since the wait began.</summary>
    private bool LateWhileFree(PeerRecord peer, TimeSpan since, TimeSpan limit) =>
        Expired(peer.BusyUntil > since ? peer.BusyUntil : since, limit);

    /// <summary>Kicks each of <paramref name="late"/> still present; taken as a list first, since each kick changes the state.</summary>
    private void KickLate(IEnumerable<PeerRecord> late, string what, TimeSpan since, TimeSpan limit, string key)
    {
        foreach (var peer in late.ToList())
        {
            if (State.Peers.ContainsKey(peer.Id))
            {
                Kick(peer, KickReason.DeadlineMissed, DeadlineMessage(what, since, limit, key, "the others went on without it"),
                    $"peer {peer.Id} did not {what} within {limit.TotalMilliseconds:0} ms (fault_tolerance.{key})");
            }
        }
    }

    private string DeadlineMessage(string what, TimeSpan since, TimeSpan limit, string key, string consequence) =>
        $"deadline missed: did not {what} within {limit.TotalMilliseconds:0} ms (waited {(State.Now - since).TotalMilliseconds:0} ms); " +
        $"{consequence}. If the process was only slow, raise fault_tolerance.{key}";
}
