using Pccl.Protocol.Messages;

namespace Pccl.Master.Core;

/// <summary>
/// A topology update in progress: every participant was told the new world and must confirm that it reached its
/// ring neighbours before anyone proceeds.
/// </summary>
internal sealed class TopologyRound(World world, IEnumerable<ulong> participants, IEnumerable<ulong> joiners, TimeSpan startedAt)
{
    public TimeSpan StartedAt { get; } = startedAt;
    public World World { get; } = world;
    public HashSet<ulong> Participants { get; } = [.. participants];
    public HashSet<ulong> Joiners { get; } = [.. joiners];
    public HashSet<ulong> Awaiting { get; } = [.. participants];
    public List<string> Failures { get; } = [];
    public List<ulong> FailedPeers { get; } = [];

    /// <summary>A topology optimisation's reordering: each changed group's ring before it (null: ordered by id).</summary>
    public Dictionary<uint, List<ulong>?>? PreviousRings { get; init; }
}
