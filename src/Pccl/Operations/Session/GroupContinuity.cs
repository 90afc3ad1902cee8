using Pccl.Protocol.Messages;

namespace Pccl.Operations.Session;

/// <summary>
/// Whether a peer that lost its master came back to a group that never lost it. A peer frozen past the heartbeat
/// timeout (or cut off from the master's UDP port) is removed alone, or gives the master up alone; the master that
/// takes it back as a new peer is the same one (the same start: the address, the epoch and its random incarnation),
/// and the members of its old world are still there under their old peer ids (a master process never gives a peer id
/// twice). Those members went on without it: the
/// operation it was in was completed or abandoned by them, and they admit newcomers at their own votes.
/// </summary>
internal static class GroupContinuity
{
    /// <summary>True when <paramref name="next"/> rejoined the group <paramref name="lost"/> belonged to while that group went on under the same master.</summary>
    public static bool WentOnWithout(Registration lost, Registration next) => WentOnWithout(Standing.Of(lost.Session), Standing.Of(next.Session));

    /// <summary>True when a session standing <paramref name="after"/> rejoined the group one standing <paramref name="before"/> belonged to while that group went on under the same master.</summary>
    public static bool WentOnWithout(Standing before, Standing after)
    {
        if (before.MasterEpoch != after.MasterEpoch || before.MasterAddress != after.MasterAddress || before.MasterIncarnation != after.MasterIncarnation)
        {
            return false; // a new leader, or the same one restarted: every member comes back from the loss
        }

        var stayed = before.World.Peers.Select(p => p.PeerId).Where(id => id != before.PeerId).ToHashSet();
        return after.World.Peers.Any(p => stayed.Contains(p.PeerId));
    }

    /// <summary>
    /// What a call gets instead of running on <paramref name="next"/> when the group went on without this peer: the loss,
    /// still transient, so the caller starts its step again as a joiner does (the shared-state sync first).
    /// </summary>
    public static PcclException Loss(PcclException reason, Registration next) => Loss(reason, next.Session.PeerId);

    /// <summary>The loss as <see cref="Loss(PcclException, Registration)"/> gives it, for the peer taken back as <paramref name="nextPeerId"/>.</summary>
    public static PcclException Loss(PcclException reason, ulong nextPeerId) =>
        new(reason.Code,
            $"{reason.Message}; the master took this peer back as peer {nextPeerId} while the rest of its group went on without it, " +
            "so this call is not carried over: synchronise the shared state and call again", isTransient: true, reason)
        { LostPeerId = reason.LostPeerId };

    /// <summary>
    /// Where one session stood: the master as reached, the epoch it served at, its start's random id (a master without
    /// a store restarts at the same address and epoch, and gives peer ids from 1 again), this peer's id there and the
    /// world it last saw.
    /// </summary>
    public readonly record struct Standing(string MasterAddress, ulong MasterEpoch, ulong MasterIncarnation, ulong PeerId, World World)
    {
        public static Standing Of(PeerSession session) =>
            new(session.MasterAddress, session.MasterEpoch, session.MasterIncarnation, session.PeerId, session.World.World);
    }
}
