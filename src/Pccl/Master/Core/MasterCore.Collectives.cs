using Pccl.Master.Core.Hierarchy;
using Pccl.Protocol.Codec;
using Pccl.Protocol.Messages;
using Pccl.Kernel;

namespace Pccl.Master.Core;

internal sealed partial class MasterCore
{
    private void OnCollectiveInit(PeerRecord peer, CollectiveInit init)
    {
        if (peer.Phase != PeerPhase.Accepted)
        {
            Kick(peer, KickReason.IllegalState, $"started a collective while {peer.Phase.ToString().ToLowerInvariant()}, not accepted");
            return;
        }

        if (init.GrantedSequence != 0)
        {
            OnGrantTaken(peer, init);
            return;
        }

        var key = (peer.Group, init.Tag);
        if (State.Collectives.TryGetValue(key, out var granted) && granted.Granted is not null && granted.Participants.Contains(peer.Id) && !granted.Inits.ContainsKey(peer.Id))
        {
            CancelGrant(granted, $"peer {peer.Id} asked for an all-reduce on tag {init.Tag} without taking it (other parameters, or its grants are off)", pause: true);
        }

        if (!State.Collectives.TryGetValue(key, out var round) && peer.TagsInFlight >= _limits.MaxTagsInFlightPerPeer)
        {
            Kick(peer, KickReason.LimitExceeded,
                $"started a collective on tag {init.Tag} with {_limits.MaxTagsInFlightPerPeer} other tags in flight, the most the master holds per peer: " +
                "wait for operations to finish before starting more");
            return;
        }

        if (round is null)
        {
            round = new CollectiveRound(peer.Group, init.Tag, State.Now);
            State.Collectives[key] = round;
        }

        if (round.Running || round.Inits.ContainsKey(peer.Id))
        {
            Kick(peer, KickReason.IllegalState, $"started a second collective on tag {init.Tag} while one is in flight");
            return;
        }

        round.Inits[peer.Id] = init.Parameters ?? new CollectiveDescriptor();
        peer.TagsInFlight++;
        if (round.Inits.Count >= round.MembersCounted)
        {
            CheckCollectiveGathered(round);
        }
    }

    private void CheckCollectiveGathered(CollectiveRound round)
    {
        if (round.Running)
        {
            return;
        }

        // Cheap test first: the members are counted, not listed, until enough inits arrived.
        round.MembersCounted = AcceptedCountIn(round.Group);
        if (round.Inits.Count < round.MembersCounted)
        {
            return;
        }

        var members = State.Accepted.Where(p => p.Group == round.Group).ToList();
        if (members.Count == 0 || !members.All(p => round.Inits.ContainsKey(p.Id)))
        {
            return;
        }

        var mismatch = DescribeMismatch(round.Inits);
        if (mismatch is not null)
        {
            AbortRound(round, round.Inits.Keys, CollectiveFailure.Mismatch, mismatch, 0);
            return;
        }

        if (members.Count < 2)
        {
            AbortRound(round, round.Inits.Keys, CollectiveFailure.TooFewPeers,
                "a collective needs at least 2 peers in the group; this group has 1 (wait for peers with UpdateTopology)", 0);
            return;
        }

        var (start, revision) = PlanStart(round, members, round.Inits.Values.First());
        SendWithRing(members, start, revision, s => new ControlMessage { CollectiveStart = s });
    }

    /// <summary>Gives <paramref name="round"/> its lane, sequence and participants, and plans its start.</summary>
    private (CollectiveStart Start, ulong RingRevision) PlanStart(CollectiveRound round, List<PeerRecord> members, CollectiveDescriptor descriptor)
    {
        round.Lane = FreeLane(round.Group); // before Sequence: a round counts as running (its lane as used) once it has one
        round.Sequence = ++State.LastSequence;
        round.Participants.UnionWith(members.Select(p => p.Id));
        var ring = StartedRing(round.Group, members);
        var start = new CollectiveStart { Tag = round.Tag, Sequence = round.Sequence.Value, Lane = round.Lane, RingRevision = ring.Revision };
        start.Ring.AddRange(ring.Ring);
        PlanHierarchy(round.Group, descriptor, start);
        return (start, ring.Revision);
    }

    /// <summary>
    /// Sends <paramref name="start"/> wrapped by <paramref name="wrap"/> (a start, or a complete carrying it as a grant),
    /// one message instance per variant, so the shell encodes each once for all members. The ring (a thousand ids in a
    /// large group) goes only to members that do not hold this revision of it: at most once per ring per connection.
    /// </summary>
    private void SendWithRing(List<PeerRecord> members, CollectiveStart start, ulong ringRevision, Func<CollectiveStart, ControlMessage> wrap)
    {
        var full = wrap(start);
        ControlMessage? withoutRing = null;
        foreach (var peer in members)
        {
            if (peer.KeepsRing && peer.RingRevisionSent == ringRevision)
            {
                withoutRing ??= wrap(WithoutRing(start));
                Send(peer, withoutRing);
            }
            else
            {
                peer.RingRevisionSent = ringRevision;
                Send(peer, full);
            }
        }
    }

    private static CollectiveStart WithoutRing(CollectiveStart start)
    {
        var brief = start.Clone();
        brief.Ring.Clear();
        return brief;
    }

    /// <summary>The group's ring for a start: the last start's revision while the order is unchanged, else a new revision.</summary>
    private RingRevision StartedRing(uint group, List<PeerRecord> members)
    {
        var order = RingPlanner.Order(members, State.RingOrders.GetValueOrDefault(group));
        if (State.StartedRings.TryGetValue(group, out var last) && last.Ring.SequenceEqual(order))
        {
            return last;
        }

        var next = new RingRevision(++State.LastRingRevision, order);
        State.StartedRings[group] = next;
        return next;
    }

    /// <summary>Adds the hierarchy to a start whose peers carry different region labels and whose algorithm allows one.</summary>
    private void PlanHierarchy(uint group, CollectiveDescriptor descriptor, CollectiveStart start)
    {
        if (!HierarchyPlanner.Wanted(descriptor.Algorithm))
        {
            return;
        }

        var labels = start.Ring.Select(id => State.Peers[id].Region).ToList();
        // a type without a size is refused by the peers' own checks; plan it unpipelined meanwhile
        var elementSize = descriptor.DataType == DataType.Unspecified || !Enum.IsDefined(descriptor.DataType) ? 1 : descriptor.DataType.FromWire().SizeOf();
        start.Hierarchy.AddRange(HierarchyPlanner.Plan(start.Ring, labels, descriptor.ElementCount, HierarchyPlanner.ChunksFor(descriptor.ElementCount, elementSize)));
        if (start.Hierarchy.Count == 0)
        {
            State.Hierarchies.Remove(group);
            State.CrossingRates.Remove(group);
            return;
        }

        CrossingPathRates.Set(
            start.Hierarchy, start.Ring, labels,
            State.CrossingRates.TryGetValue(group, out var carried) ? carried : new Dictionary<(uint, string), ulong>(),
            State.Bandwidth.TryGetValue(group, out var matrix) ? matrix.Entries : new Dictionary<(ulong, ulong), double>());

        var summary = HierarchySummary.Of(start.Ring, labels, start.Hierarchy);
        if (!State.Hierarchies.TryGetValue(group, out var last) || last.Description != summary.Description)
        {
            Emit(new ReportHierarchy(group, start.Sequence, summary.Description));
        }

        State.Hierarchies[group] = summary;
    }

    private uint FreeLane(uint group)
    {
        var used = State.Collectives.Values.Where(r => r.Group == group && r.Running).Select(r => r.Lane).ToHashSet();
        uint lane = 0;
        while (used.Contains(lane))
        {
            lane++;
        }

        return lane;
    }

    /// <summary>Names the first parameter on which peers disagree, with each side's value, or null when all agree.</summary>
    private static string? DescribeMismatch(SortedDictionary<ulong, CollectiveDescriptor> inits)
    {
        var (firstPeer, first) = inits.First();
        foreach (var (peer, d) in inits.Skip(1))
        {
            string? what = null;
            if (d.ElementCount != first.ElementCount)
            {
                what = $"element count: peer {firstPeer} has {first.ElementCount}, peer {peer} has {d.ElementCount}";
            }
            else if (d.DataType != first.DataType)
            {
                what = $"data type: peer {firstPeer} has {first.DataType}, peer {peer} has {d.DataType}";
            }
            else if (d.Op != first.Op)
            {
                what = $"reduce op: peer {firstPeer} has {first.Op}, peer {peer} has {d.Op}";
            }
            else if (d.Quantization != first.Quantization)
            {
                what = $"quantization: peer {firstPeer} has {first.Quantization}, peer {peer} has {d.Quantization}";
            }
            else if (d.Compression != first.Compression)
            {
                what = $"compression: peer {firstPeer} has {(first.Compression ? "on" : "off")}, peer {peer} has {(d.Compression ? "on" : "off")}";
            }
            else if (d.ChunkBytes != first.ChunkBytes)
            {
                what = $"ring chunk size (performance.ring_chunk_size, bytes): peer {firstPeer} has {first.ChunkBytes}, peer {peer} has {d.ChunkBytes}";
            }
            else if (d.Algorithm != first.Algorithm)
            {
                what = $"algorithm: peer {firstPeer} has {first.Algorithm}, peer {peer} has {d.Algorithm}";
            }

            if (what is not null)
            {
                return $"peers disagree on the operation's {what}";
            }
        }

        return null;
    }

    private void OnCollectiveDone(PeerRecord peer, CollectiveDone done)
    {
        if (done.Sequence == 0 && !done.Success)
        {
            OnCollectiveWithdrawn(peer, done.Tag);
            return;
        }

        if (!State.Collectives.TryGetValue((peer.Group, done.Tag), out var round))
        {
            return; // the operation was aborted already: a late report, not an error
        }

        if (round.Sequence != done.Sequence || !round.Participants.Contains(peer.Id))
        {
            return;
        }

        if (done.Success && round.Granted is not null && !round.Inits.ContainsKey(peer.Id))
        {
            return; // done with a grant it never took: nothing ran there; the deadline removes it if the others took it
        }

        if (!done.Success)
        {
            AbortRound(round, round.Participants.Where(id => id != peer.Id), CollectiveFailure.PeerFailed,
                $"peer {peer.Id} failed the operation: {UntrustedText.Escape(done.Error)}", 0);
            return;
        }

        round.Done.Add(peer.Id);
        if (done.Crossings.Count > 0)
        {
            round.Crossings[peer.Id] = [.. done.Crossings.DistinctBy(c => c.Level).Take(CrossingPathRates.MaxLevels)];
        }

        if (round.Done.Count >= round.Participants.Count && round.Done.IsSupersetOf(round.Participants))
        {
            RemoveRound(round);
            KeepCrossingRates(round);
            SendComplete(round);
        }
    }

    /// <summary>Keeps what a finished hierarchical all-reduce's regions carried across, for the next one's pacing.</summary>
    private void KeepCrossingRates(CollectiveRound round)
    {
        if (round.Crossings.Count == 0)
        {
            return;
        }

        var ring = round.Participants.Where(State.Peers.ContainsKey).ToList();
        var tally = CrossingPathRates.Tally(ring, [.. ring.Select(id => State.Peers[id].Region)], round.Crossings);
        var kept = State.CrossingRates.GetValueOrDefault(round.Group);
        // only the paths this operation measured stay: regions that are gone take their rates with them
        State.CrossingRates[round.Group] = tally.ToDictionary(
            t => t.Key, t => CrossingPathRates.Next(kept is not null && kept.TryGetValue(t.Key, out var last) ? last : null, t.Value));
    }

    /// <summary>
    /// A peer takes back its init before it saw the operation start (its caller cancelled or failed). While gathering,
    /// the others keep gathering without it; if the master started the operation just before, the start is on its way
    /// to a peer that will not run it, so the others are aborted. The peer is always answered, even when an abort ended
    /// the round first: it waits for the answer before it lets its caller go, so its next init on the tag can never be
    /// paired with the withdrawn one by an init of another peer that overtook the withdrawal on another connection.
    /// </summary>
    private void OnCollectiveWithdrawn(PeerRecord peer, uint tag)
    {
        if (State.Collectives.TryGetValue((peer.Group, tag), out var round))
        {
            if (!round.Running)
            {
                ForgetInit(round, peer.Id);
            }
            else if (round.Participants.Contains(peer.Id))
            {
                AbortRound(round, round.Participants.Where(id => id != peer.Id), CollectiveFailure.PeerFailed,
                    $"peer {peer.Id} withdrew the operation before its start reached it", 0);
            }
        }

        Send(peer, new ControlMessage { CollectiveWithdrawn = new CollectiveWithdrawn { Tag = tag } });
    }

    /// <summary>
    /// A lost peer aborts the running operations it took part in. Gathering operations only forget its parameters: the
    /// re-check that follows starts them with the survivors, which is the retry they would otherwise have to make.
    /// </summary>
    private void AbortCollectivesOf(PeerRecord lost, bool wasAccepted, string reason)
    {
        foreach (var round in State.Collectives.Values.Where(r => r.Group == lost.Group).ToList())
        {
            if (round.Running && round.Participants.Contains(lost.Id))
            {
                AbortRound(round, round.Participants.Where(State.Peers.ContainsKey), CollectiveFailure.PeerLost, reason, lost.Id);
            }
            else if (!round.Running && wasAccepted)
            {
                ForgetInit(round, lost.Id);
            }
        }

        if (!State.Peers.Values.Any(p => p.Group == lost.Group && p.Phase != PeerPhase.Registered))
        {
            State.StartedRings.Remove(lost.Group); // revisions are never reused, so a group formed again gets a new one anyway
        }
    }

    /// <summary>Drops a peer's init from a round not started yet; the round goes when nobody is left in it.</summary>
    private void ForgetInit(CollectiveRound round, ulong peerId)
    {
        if (round.Inits.Remove(peerId) && State.Peers.TryGetValue(peerId, out var peer))
        {
            peer.TagsInFlight--;
        }

        if (round.Inits.Count == 0)
        {
            State.Collectives.Remove((round.Group, round.Tag));
        }
    }

    /// <summary>Ends a round: its tag no longer counts toward any of its members' tags in flight.</summary>
    private void RemoveRound(CollectiveRound round)
    {
        State.Collectives.Remove((round.Group, round.Tag));
        foreach (var id in round.Inits.Keys)
        {
            if (State.Peers.TryGetValue(id, out var peer))
            {
                peer.TagsInFlight--;
            }
        }
    }

    private void AbortRound(CollectiveRound round, IEnumerable<ulong> recipients, CollectiveFailure failure, string reason, ulong lostPeer)
    {
        RemoveRound(round);
        var abort = new ControlMessage
        {
            CollectiveAbort = new CollectiveAbort
            {
                Tag = round.Tag,
                Sequence = round.Sequence ?? 0,
                Failure = failure,
                Reason = reason,
                LostPeerId = lostPeer,
            },
        };
        foreach (var id in recipients.ToList())
        {
            if (State.Peers.TryGetValue(id, out var p))
            {
                Send(p, abort);
            }
        }
    }
}
