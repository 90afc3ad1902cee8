namespace Pccl.Master.Core;

/// <summary>Orders each group's peers into a ring.</summary>
internal static class RingPlanner
{
    /// <summary>
    /// Peers of one group in ring order: the order a topology optimisation chose (<paramref name="chosen"/>, its departed
    /// peers left out), then the peers it does not name by id; by id alone when nothing was chosen.
    /// </summary>
    public static IReadOnlyList<ulong> Order(IEnumerable<PeerRecord> groupPeers, IReadOnlyList<ulong>? chosen = null)
    {
        var ids = groupPeers.Select(p => p.Id).ToHashSet();
        var kept = (chosen ?? []).Where(ids.Contains).ToList();
        return [.. kept, .. ids.Except(kept).Order()];
    }
}
