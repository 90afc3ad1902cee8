using Pccl.Cli.Wan;

namespace Pccl.Cli.Bench.Wan;

/// <summary>
/// The order the bench starts peers in, which is the order the master numbers them and so the id-ordered ring:
/// <c>grouped</c> (all of dc0, then all of dc1, ...) or <c>alternating</c> (one of each datacentre in turn: the ring
/// then crosses between datacentres at every hop, its worst case).
/// </summary>
internal static class JoinOrder
{
    public static readonly string[] Names = ["alternating", "grouped"];

    public static IReadOnlyList<int> Of(string name, WanLayout layout) => name switch
    {
        "grouped" => [.. Enumerable.Range(0, layout.Peers)],
        "alternating" => [.. Enumerable.Range(0, layout.PeersPerRegion).SelectMany(i => Enumerable.Range(0, layout.Regions).Select(r => (r * layout.PeersPerRegion) + i))],
        _ => throw new PcclException(PcclErrorCode.InvalidArgument, $"--join-order must be alternating or grouped, not '{name}'"),
    };
}
