using Pccl.Protocol.Messages;

namespace Pccl.Master.Core;

/// <summary>
/// One collective operation of a group, keyed by tag: first gathering every member's parameters, then running
/// until every participant reports done.
/// </summary>
internal sealed class CollectiveRound(uint group, uint tag, TimeSpan gatheringSince)
{
    /// <summary>When the first member's init arrived.</summary>
    public TimeSpan GatheringSince { get; } = gatheringSince;
    public uint Group { get; } = group;
    public uint Tag { get; } = tag;
    public SortedDictionary<ulong, CollectiveDescriptor> Inits { get; } = [];

    /// <summary>
    /// The group's accepted peers when last counted. While fewer inits arrived the round has not gathered, so an init
    /// counts again only when it reaches this number: a group shrinks only when a peer is removed, and the core then
    /// re-checks every round, counting afresh.
    /// </summary>
    public int MembersCounted { get; set; }
    public ulong? Sequence { get; set; }
    public uint Lane { get; set; }
    public HashSet<ulong> Participants { get; } = [];
    public HashSet<ulong> Done { get; } = [];

    /// <summary>What each peer's crossing rings carried, as its done report told (a hierarchical all-reduce).</summary>
    public Dictionary<ulong, IReadOnlyList<CrossingRate>> Crossings { get; } = [];
    public bool Running => Sequence is not null;

    /// <summary>
    /// Set for an operation the master granted in the complete of the one before (a start grant): the parameters every
    /// participant must take it with. It runs from the grant on; <see cref="Inits"/> fills as participants take it.
    /// </summary>
    public CollectiveDescriptor? Granted { get; init; }

    /// <summary>When the first participant took the grant; until then nobody waits for the others.</summary>
    public TimeSpan? ClaimedSince { get; set; }
}
