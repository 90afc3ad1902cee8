using Pccl.Protocol.Messages;

namespace Pccl.Operations.Session;

/// <summary>
/// The ring of the last collective start that carried one (this peer registers with <c>keeps_ring</c>): the master
/// leaves the ring out of a start whose revision it sent this connection already, and this puts it back before the
/// start is routed. One per registration, filled from that registration's connection only, whose messages arrive in the
/// order the master sent them: the ring of a revision always arrives before a start that leaves it out.
/// </summary>
internal sealed class KeptRing
{
    private ulong _revision;
    private ulong[] _ring = [];

    /// <summary>Keeps <paramref name="start"/>'s ring, or fills in the kept one; returns the problem when it cannot.</summary>
    public string? Complete(CollectiveStart start)
    {
        if (start.Ring.Count > 0)
        {
            if (start.RingRevision != 0)
            {
                _revision = start.RingRevision;
                _ring = [.. start.Ring];
            }

            return null;
        }

        if (start.RingRevision == 0)
        {
            return null; // names no ring: the schedule refuses the empty ring itself
        }

        if (start.RingRevision != _revision)
        {
            return $"the master started collective {start.Sequence} on ring revision {start.RingRevision} without sending the ring, and this peer holds " +
                (_revision == 0 ? "no ring" : $"revision {_revision}") + "; the master runs another PCCL release: run the same release on the master and every peer";
        }

        start.Ring.AddRange(_ring);
        return null;
    }
}
