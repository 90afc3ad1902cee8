using Pccl.Protocol.Messages;

namespace Pccl.Tests.Master.Support;

/// <summary>Short readings of a <see cref="World"/> for assertions.</summary>
internal static class WorldExtensions
{
    public static ulong[] PeerIds(this World world) => [.. world.Peers.Select(p => p.PeerId).Order()];

    /// <summary>Each group's ring, written as "group:id,id,..." in the order the master sent them.</summary>
    public static string[] RingsText(this World world) =>
        [.. world.Rings.Select(r => $"{r.Group}:{string.Join(",", r.PeerIds)}")];

    public static ulong[] Ids(params SimPeer[] peers) => [.. peers.Select(p => p.Id).Order()];
}
