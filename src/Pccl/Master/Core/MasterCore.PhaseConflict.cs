using Pccl.Protocol.Messages;

namespace Pccl.Master.Core;

// Peers that lost their master come back to the next one in whatever phase the loss left them in. A shared-state sync
// whose completion reached only some of them leaves those in the step's all-reduce (its retry helper rides through the
// change) and the others in the sync again: the collective waits for peers that wait in the sync for it, until
// fault_tolerance.vote_timeout_ms removes one side. Until a group completes its first sync under this master, a group
// whose members have all chosen, some the sync and the others a collective, is resolved at once: the collectives are
// aborted (retryable), so their peers go back to their loop's sync, where the others wait. The sync is the side kept
// because a peer that was told the sync completed only holds the state the others are about to agree on again.
internal sealed partial class MasterCore
{
    private void ResolvePhaseConflict(uint group)
    {
        if (State.SharedStateRevisions.ContainsKey(group)
            || !State.SharedStateSyncs.TryGetValue(group, out var sync) || sync.Running || sync.Requests.Count == 0)
        {
            return;
        }

        var gathering = State.Collectives.Values.Where(c => c.Group == group && !c.Running).ToList();
        var inCollectives = gathering.SelectMany(c => c.Inits.Keys).ToHashSet();
        if (inCollectives.Count == 0 || inCollectives.Overlaps(sync.Requests.Keys)
            || !State.Accepted.Where(p => p.Group == group).All(p => inCollectives.Contains(p.Id) || sync.Requests.ContainsKey(p.Id)))
        {
            return; // nobody is stuck yet, or a peer runs both side by side
        }

        var reason = $"peers {string.Join(", ", sync.Requests.Keys.Order())} of group {group} are synchronising shared state and wait for this peer there, " +
                     "while this collective waits for them: after the master changed, the group resumed in two phases. Synchronise the shared state first";
        foreach (var round in gathering)
        {
            AbortRound(round, round.Inits.Keys, CollectiveFailure.PeerFailed, reason, 0);
        }
    }
}
