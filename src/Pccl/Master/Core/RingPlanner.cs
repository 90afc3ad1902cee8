namespace Pccl.Master.Core;

/// <summary>Orders each group's peers into a ring.</summary>
internal static class RingPlanner
{
    /// <summary>Peers of one group in ring order (by id until bandwidth measurements drive the order).</summary>
    public static IReadOnlyList<ulong> Order(IEnumerable<PeerRecord> groupPeers) =>
        [.. groupPeers.Select(p => p.Id).Order()];
}
