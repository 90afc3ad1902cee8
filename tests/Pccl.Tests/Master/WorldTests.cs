using Pccl.Tests.Master.Support;
using Kind = Pccl.Protocol.Messages.ControlMessage.BodyOneofCase;

namespace Pccl.Tests.Master;

public class WorldTests
{
    private readonly MasterScenario _s = new();

    [Fact]
    public void TheWorldListsEveryAcceptedPeerWithWhatItRegistered()
    {
        _s.Join("a", group: 0);
        var b = _s.Register("b", group: 2, address: "10.4.4.4", port: 7133, region: "us-east");
        _s.AllAcceptedVoteTopology();
        _s.ConnectEveryone();

        var entry = b.KnownWorld!.Peers.Single(p => p.PeerId == b.Id);
        Assert.Equal(("10.4.4.4", 7133U, 2U, "us-east"), (entry.Address, entry.P2PPort, entry.Group, entry.Region));
        Assert.Equal(2, b.KnownWorld.Peers.Count);
    }

    [Fact]
    public void EachGroupGetsItsOwnRingOrderedByGroupThenId()
    {
        var peers = _s.Form(("a", 5), ("b", 1), ("c", 5), ("d", 0), ("e", 1), ("f", 5));
        var (a, b, c, d, e, f) = (peers[0], peers[1], peers[2], peers[3], peers[4], peers[5]);

        Assert.All(peers, p => Assert.Equal(
            [$"0:{d.Id}", $"1:{b.Id},{e.Id}", $"5:{a.Id},{c.Id},{f.Id}"],
            p.KnownWorld!.RingsText()));
    }

    [Fact]
    public void GroupWorldSizesFollowJoinsAndLeaves()
    {
        var peers = _s.Form(("a", 0), ("b", 0), ("c", 1), ("d", 1), ("e", 1));

        _s.Drop(peers[3]);

        var world = peers[0].One(Kind.WorldChanged).WorldChanged.World;
        Assert.Equal(4, world.Peers.Count);
        Assert.Equal([$"0:{peers[0].Id},{peers[1].Id}", $"1:{peers[2].Id},{peers[4].Id}"], world.RingsText());
    }

    [Fact]
    public void WaitingPeersAreNotInTheWorld()
    {
        var (a, b) = (_s.Join("a"), _s.Join("b"));
        var w = _s.Register("w");
        var x = _s.Register("x");

        _s.Drop(b);

        var world = a.One(Kind.WorldChanged).WorldChanged.World;
        Assert.Equal([a.Id], world.PeerIds());
        Assert.DoesNotContain(x.Id, world.PeerIds());
        Assert.DoesNotContain(w.Id, world.PeerIds());
        w.GotNothing();
    }

    [Fact]
    public void TheCollectiveRingIsTheGroupsRing()
    {
        var peers = _s.Form(("a", 1), ("b", 0), ("c", 1), ("d", 0), ("e", 1));
        var group1 = new[] { peers[0], peers[2], peers[4] };

        _s.Run(7, group1);

        Assert.All(group1, p => Assert.Equal(WorldExtensions.Ids(group1), p.Starts[7].Ring));
        peers[1].GotNothing();
    }
}
