using Pccl.Protocol.Messages;

namespace Pccl.Master.Core.StateSync;

// Shared-state election: the master's pure decision for one peer group (modelled on PCCL's
// pcclSynchronizeSharedState). Same input, same output: the result depends on no input order, clock or thread.
//
// Input: the group's last synchronised revision (null when the group has none: first sync, or the master
// forgot the group after it emptied) and, per peer, (peer id, revision, strategy, tensors), each tensor being
// (key, data type, byte length, hash, allow-content-inequality).
//
// Checks, in this order; the first failing one is the result (code SharedStateMismatch unless noted):
//   1. At least one peer, no peer id twice, no key twice within a peer            (InvalidArgument).
//   2. Every peer has the same key set. The first key (ordinal order) some peer lacks is named, with holders
//      and non-holders.
//   3. Per key (ordinal order), every peer agrees with the lowest peer id on data type, byte length and the
//      allow-content-inequality flag.
//   4. The +1 rule, when the last revision L is known: no peer may report more than L + 1. A peer at L (or
//      below) did not advance; it is allowed and is dragged along (outdated, see below).
//   5. Candidates are the peers that are not ReceiveOnly; there must be at least one. The elected revision R
//      is the highest candidate revision. R below L is refused (the group's state would go backwards).
//      With L unknown any R is adopted (e.g. 13).
//   6. A SendOnly peer below R is refused: it would have to receive, which it declared it will not.
//
// Election, per key:
//   - Voters are the candidates at revision R ("up to date"). Outdated peers and ReceiveOnly peers never vote
//     and never donate.
//   - Keys without allow-content-inequality: if SendOnly peers exist, their content wins; two SendOnly peers
//     with different content are refused. Otherwise the hash held by the most voters wins; a tie goes to the
//     hash held by the lowest peer id among the tied holders (so a two-peer split makes exactly one receiver).
//   - Keys with allow-content-inequality take no part in the vote. Their "elected" content is the content of a
//     reference holder: the lowest-id SendOnly peer if any, else the lowest-id voter.
//   - Donors of a key: voters whose hash equals the elected hash, ascending. Never empty.
//
// Who receives what (the dirty tensors):
//   - A peer "adopts" the group state when it is outdated (revision below R) or ReceiveOnly.
//   - Normal keys: every peer whose hash differs from the elected hash receives the key (adopting or not).
//   - Allow-content-inequality keys: only adopting peers whose hash differs receive the key; up-to-date
//     peers keep their own content.
//   - Equal hashes mean no transfer: an outdated peer holding the elected content of a key only moves its
//     revision. Identical content on every peer means nobody receives anything.
//   - Every peer ends at revision R, ReceiveOnly peers included whatever they reported.
internal static class SharedStateElection
{
    /// <summary>Elects the revision and content of <paramref name="peerGroup"/>; see the rules at the top of this file.</summary>
    /// <param name="peerGroup">The group, for messages.</param>
    /// <param name="lastRevision">The group's last synchronised revision, or null when there is none.</param>
    /// <param name="peers">Every peer of the group that takes part, in any order.</param>
    public static SharedStateElectionResult Elect(uint peerGroup, ulong? lastRevision, IReadOnlyCollection<SharedStatePeerReport> peers)
    {
        ArgumentNullException.ThrowIfNull(peers);
        var sorted = peers.OrderBy(p => p.PeerId).ToArray();
        var failure = CheckShape(peerGroup, sorted, out var tensorsByPeer)
            ?? CheckKeySets(peerGroup, sorted, tensorsByPeer)
            ?? CheckTensorAgreement(peerGroup, sorted, tensorsByPeer)
            ?? CheckRevisionJumps(peerGroup, lastRevision, sorted);
        if (failure is not null)
            return failure;

        var candidates = sorted.Where(p => p.Strategy != SharedStateSyncStrategy.ReceiveOnly).ToArray();
        if (candidates.Length == 0)
            return Fail(PcclErrorCode.SharedStateMismatch,
                $"Peer group {peerGroup}: every peer ({Ids(sorted)}) synchronises shared state as ReceiveOnly, so no peer holds a state to " +
                "receive; at least one peer must use EnforcePopular or SendOnly.", sorted.Select(p => p.PeerId));

        var revision = candidates.Max(p => p.Revision);
        if (lastRevision is { } last && revision < last)
            return Fail(PcclErrorCode.SharedStateMismatch,
                $"Peer group {peerGroup} was at shared-state revision {last} but the newest peer ({Ids(candidates.Where(p => p.Revision == revision))}) " +
                $"reports {revision}; the state would go backwards. Restore a checkpoint at revision {last} or later.",
                candidates.Select(p => p.PeerId));

        var staleSenders = candidates.Where(p => p.Strategy == SharedStateSyncStrategy.SendOnly && p.Revision < revision).ToArray();
        if (staleSenders.Length > 0)
            return Fail(PcclErrorCode.SharedStateMismatch,
                $"Peer group {peerGroup}: SendOnly peer {staleSenders[0].PeerId} is at shared-state revision {staleSenders[0].Revision} " +
                $"but the group is at {revision}; a SendOnly peer never receives. Advance its revision or use EnforcePopular.",
                staleSenders.Select(p => p.PeerId));

        var voters = candidates.Where(p => p.Revision == revision).ToArray();
        var senders = voters.Where(p => p.Strategy == SharedStateSyncStrategy.SendOnly).ToArray();
        var keys = tensorsByPeer[sorted[0].PeerId].Keys.Order(StringComparer.Ordinal).ToArray();

        var elected = new List<ElectedTensor>(keys.Length);
        foreach (var key in keys)
        {
            var reference = tensorsByPeer[sorted[0].PeerId][key];
            ulong hash;
            if (reference.AllowContentInequality)
            {
                hash = tensorsByPeer[(senders.Length > 0 ? senders[0] : voters[0]).PeerId][key].Hash;
            }
            else if (senders.Length > 0)
            {
                var conflict = senders.FirstOrDefault(s => tensorsByPeer[s.PeerId][key].Hash != tensorsByPeer[senders[0].PeerId][key].Hash);
                if (conflict is not null)
                    return Fail(PcclErrorCode.SharedStateMismatch,
                        $"Peer group {peerGroup}: SendOnly peers {senders[0].PeerId} and {conflict.PeerId} hold different content for shared-state " +
                        $"key '{key}' at revision {revision}; at most one content can be sent. Let one of them use EnforcePopular.",
                        [senders[0].PeerId, conflict.PeerId]);
                hash = tensorsByPeer[senders[0].PeerId][key].Hash;
            }
            else
            {
                hash = MostPopular(voters.Select(v => (v.PeerId, tensorsByPeer[v.PeerId][key].Hash)));
            }

            ulong[] donors = [.. voters.Where(v => tensorsByPeer[v.PeerId][key].Hash == hash).Select(v => v.PeerId)];
            elected.Add(new ElectedTensor(key, reference.DataType, reference.ByteLength, hash, reference.AllowContentInequality, donors));
        }

        var assignments = sorted.Select(peer =>
        {
            var outdated = peer.Revision < revision;
            var adopts = outdated || peer.Strategy == SharedStateSyncStrategy.ReceiveOnly;
            DirtyTensor[] receive =
            [
                .. elected
                    .Where(t => (adopts || !t.AllowContentInequality) && tensorsByPeer[peer.PeerId][t.Key].Hash != t.Hash)
                    .Select(t => new DirtyTensor(t.Key, t.Hash, t.ByteLength, t.Donors)),
            ];
            return new PeerSyncAssignment(peer.PeerId, outdated, receive);
        }).ToArray();

        return SharedStateElectionResult.Success(new SharedStateSyncPlan(revision, elected, assignments));
    }

    // Most holders wins; on a tie, the hash whose lowest holder id is lowest. Holders arrive in ascending id order.
    private static ulong MostPopular(IEnumerable<(ulong PeerId, ulong Hash)> holders) =>
        holders
            .GroupBy(h => h.Hash)
            .Select(g => (Hash: g.Key, Count: g.Count(), LowestHolder: g.First().PeerId))
            .OrderByDescending(g => g.Count)
            .ThenBy(g => g.LowestHolder)
            .First().Hash;

    private static SharedStateElectionResult? CheckShape(
        uint peerGroup, SharedStatePeerReport[] sorted, out Dictionary<ulong, Dictionary<string, SharedStateTensorReport>> tensorsByPeer)
    {
        tensorsByPeer = [];
        if (sorted.Length == 0)
            return Fail(PcclErrorCode.InvalidArgument, $"Peer group {peerGroup}: a shared-state election needs at least one peer.", []);
        foreach (var peer in sorted)
        {
            var tensors = new Dictionary<string, SharedStateTensorReport>(StringComparer.Ordinal);
            if (!tensorsByPeer.TryAdd(peer.PeerId, tensors))
                return Fail(PcclErrorCode.InvalidArgument,
                    $"Peer group {peerGroup}: peer {peer.PeerId} reported its shared state twice in one election.", [peer.PeerId]);
            foreach (var tensor in peer.Tensors)
            {
                if (!tensors.TryAdd(tensor.Key, tensor))
                    return Fail(PcclErrorCode.InvalidArgument,
                        $"Peer group {peerGroup}: peer {peer.PeerId} reported shared-state key '{tensor.Key}' twice; keys must be unique.", [peer.PeerId]);
            }
        }
        return null;
    }

    private static SharedStateElectionResult? CheckKeySets(
        uint peerGroup, SharedStatePeerReport[] sorted, Dictionary<ulong, Dictionary<string, SharedStateTensorReport>> tensorsByPeer)
    {
        foreach (var key in sorted.SelectMany(p => tensorsByPeer[p.PeerId].Keys).Distinct().Order(StringComparer.Ordinal))
        {
            var holders = sorted.Where(p => tensorsByPeer[p.PeerId].ContainsKey(key)).ToArray();
            if (holders.Length == sorted.Length)
                continue;
            var missing = sorted.Where(p => !tensorsByPeer[p.PeerId].ContainsKey(key)).ToArray();
            var atFault = holders.Length < missing.Length ? holders : missing;
            return Fail(PcclErrorCode.SharedStateMismatch,
                $"Peer group {peerGroup}: shared-state key '{key}' is held by peer(s) {Ids(holders)} but missing on peer(s) {Ids(missing)}; " +
                "every peer of a group must register the same keys.", atFault.Select(p => p.PeerId));
        }
        return null;
    }

    private static SharedStateElectionResult? CheckTensorAgreement(
        uint peerGroup, SharedStatePeerReport[] sorted, Dictionary<ulong, Dictionary<string, SharedStateTensorReport>> tensorsByPeer)
    {
        var first = sorted[0];
        foreach (var key in tensorsByPeer[first.PeerId].Keys.Order(StringComparer.Ordinal))
        {
            var expected = tensorsByPeer[first.PeerId][key];
            foreach (var peer in sorted.Skip(1))
            {
                var actual = tensorsByPeer[peer.PeerId][key];
                string? difference =
                    actual.DataType != expected.DataType
                        ? $"has data type {Name(expected.DataType)} on peer {first.PeerId} but {Name(actual.DataType)} on peer {peer.PeerId}"
                    : actual.ByteLength != expected.ByteLength
                        ? $"is {expected.ByteLength} bytes on peer {first.PeerId} but {actual.ByteLength} bytes on peer {peer.PeerId}"
                    : actual.AllowContentInequality != expected.AllowContentInequality
                        ? $"allows content inequality on peer {(expected.AllowContentInequality ? first.PeerId : peer.PeerId)} " +
                          $"but not on peer {(expected.AllowContentInequality ? peer.PeerId : first.PeerId)}"
                    : null;
                if (difference is not null)
                    return Fail(PcclErrorCode.SharedStateMismatch,
                        $"Peer group {peerGroup}: shared-state key '{key}' {difference}; every peer must register each key with the same type, size and flags.",
                        [peer.PeerId]);
            }
        }
        return null;
    }

    private static SharedStateElectionResult? CheckRevisionJumps(uint peerGroup, ulong? lastRevision, SharedStatePeerReport[] sorted)
    {
        if (lastRevision is not { } last)
            return null;
        var jumpers = sorted.Where(p => p.Revision > last && p.Revision - last > 1).ToArray();
        if (jumpers.Length == 0)
            return null;
        return Fail(PcclErrorCode.SharedStateMismatch,
            $"Peer group {peerGroup}: peer {jumpers[0].PeerId} reports shared-state revision {jumpers[0].Revision} but the group was last " +
            $"synchronised at {last}; a revision may advance by exactly one per synchronisation (expected {last + 1} or {last}).",
            jumpers.Select(p => p.PeerId));
    }

    private static string Ids(IEnumerable<SharedStatePeerReport> peers) => string.Join(", ", peers.Select(p => p.PeerId));

    private static string Name(DataType type) => type == DataType.Unspecified ? "unspecified" : type.ToString().ToUpperInvariant();

    private static SharedStateElectionResult Fail(PcclErrorCode code, string message, IEnumerable<ulong> peers) =>
        SharedStateElectionResult.Failure(code, message, peers);
}
