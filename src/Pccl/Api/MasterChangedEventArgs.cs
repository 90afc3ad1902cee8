namespace Pccl;

/// <summary>
/// A <see cref="Communicator"/> registered with a new master after losing its previous one (a failover, or the same
/// master restarted): its peer id may have changed, and the operations in flight at the loss failed with a transient
/// <see cref="PcclErrorCode.MasterLost"/>.
/// </summary>
public sealed class MasterChangedEventArgs(ulong oldEpoch, ulong newEpoch, string oldMaster, string newMaster, ulong peerId) : EventArgs
{
    /// <summary>The epoch of the master that was lost (0: it named none).</summary>
    public ulong OldEpoch { get; } = oldEpoch;

    /// <summary>The epoch of the master now followed (0: it names none).</summary>
    public ulong NewEpoch { get; } = newEpoch;

    /// <summary>The address the lost master was reached at.</summary>
    public string OldMaster { get; } = oldMaster;

    /// <summary>The address the new master was reached at.</summary>
    public string NewMaster { get; } = newMaster;

    /// <summary>This peer's id assigned by the new master.</summary>
    public ulong PeerId { get; } = peerId;
}
