using Pccl.Protocol.Messages;

namespace Pccl.Operations.Membership;

/// <summary>A peer's picture of the accepted world, replaced whole whenever the master announces a change.</summary>
internal sealed class WorldView
{
    public WorldView(World world, uint selfGroup)
    {
        World = world;
        GlobalSize = world.Peers.Count;
        var groups = world.Peers.GroupBy(p => p.Group).ToList();
        GroupCount = groups.Count;
        LargestGroupSize = groups.Count == 0 ? 0 : groups.Max(g => g.Count());
        GroupSize = world.Peers.Count(p => p.Group == selfGroup);
        Ring = world.Rings.FirstOrDefault(r => r.Group == selfGroup)?.PeerIds.ToList() ?? [];
    }

    public static WorldView Empty { get; } = new(new World(), 0);

    public World World { get; }
    public int GlobalSize { get; }
    public int GroupSize { get; }
    public int GroupCount { get; }
    public int LargestGroupSize { get; }
    public IReadOnlyList<ulong> Ring { get; }

    public PeerEntry? Peer(ulong id) => World.Peers.FirstOrDefault(p => p.PeerId == id);
}
