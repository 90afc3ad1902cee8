namespace Pccl.Operations.Session;

/// <summary>
/// Whether a peer that lost its master came back to a group that never lost it. A peer frozen past the heartbeat
/// timeout (or cut off from the master's UDP port) is removed alone, or gives the master up alone; the master that
/// takes it back as a new peer is the same one, at the same epoch, and the members of its old world are still there
/// under their old peer ids (a peer id is never given twice by one master). Those members went on without it: the
/// operation it was in was completed or abandoned by them, and they admit newcomers at their own votes.
/// </summary>
internal static class GroupContinuity
{
    /// <summary>True when <paramref name="next"/> rejoined the group <paramref name="lost"/> belonged to while that group went on under the same master.</summary>
    public static bool WentOnWithout(Registration lost, Registration next)
    {
        var before = lost.Session;
        var after = next.Session;
        if (before.MasterEpoch != after.MasterEpoch || before.MasterAddress != after.MasterAddress)
        {
            return false; // a new leader: every member comes back from the loss
        }

        var stayed = before.World.World.Peers.Select(p => p.PeerId).Where(id => id != before.PeerId).ToHashSet();
        return after.World.World.Peers.Any(p => stayed.Contains(p.PeerId));
    }
}
