namespace Pccl.Master.Core;

/// <summary>
/// An all-reduce of a lost master that a re-registering peer reported in doubt: the peer had moved its data and heard
/// no verdict before the master died. Keyed by the lost master's epoch and the operation's sequence; settled by the
/// participants' reports, or failed at <see cref="Deadline"/> when some participant has not registered again.
/// </summary>
internal sealed class InDoubtRound(ulong epoch, ulong sequence, uint tag, IEnumerable<ulong> participants, TimeSpan deadline)
{
    public ulong Epoch { get; } = epoch;
    public ulong Sequence { get; } = sequence;
    public uint Tag { get; } = tag;

    /// <summary>The operation's ring: the participants' ids under the lost master.</summary>
    public HashSet<ulong> Participants { get; } = [.. participants];

    public TimeSpan Deadline { get; } = deadline;

    /// <summary>Peers (by their id under this master) that hold the operation in doubt and wait for the verdict.</summary>
    public HashSet<ulong> Waiting { get; } = [];
}
