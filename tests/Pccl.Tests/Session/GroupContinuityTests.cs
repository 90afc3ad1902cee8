using Pccl.Operations.Session;
using Pccl.Protocol.Messages;
using Standing = Pccl.Operations.Session.GroupContinuity.Standing;

namespace Pccl.Tests.Session;

/// <summary>Whether a peer taken back after losing its master came back to a group that went on without it.</summary>
public class GroupContinuityTests
{
    private const string Master = "10.0.0.9:7117";
    private const ulong Incarnation = 0x5eed;

    /// <summary>Peer 3 of the world {1, 2, 3} at epoch 4, before it lost the master.</summary>
    private static readonly Standing Before = new(Master, 4, Incarnation, 3, WorldOf(1, 2, 3));

    [Fact]
    public void TheSameMasterAndEpochWithAnOldMemberUnderItsOldIdIsAGroupThatWentOn()
    {
        var after = new Standing(Master, 4, Incarnation, 5, WorldOf(2, 5));

        Assert.True(GroupContinuity.WentOnWithout(Before, after));
    }

    [Theory]
    [InlineData("a new epoch is a new leader, even with the old members there", Master, 5UL, Incarnation, new ulong[] { 1, 2, 5 })]
    [InlineData("another master address is a new leader, even at the same epoch with the old members there", "10.0.0.8:7117", 4UL, Incarnation, new ulong[] { 1, 2, 5 })]
    [InlineData("none of the old members is there", Master, 4UL, Incarnation, new ulong[] { 4, 5, 6 })]
    [InlineData("the peer's own old id alone does not count as a member that stayed", Master, 4UL, Incarnation, new ulong[] { 3, 5 })]
    [InlineData("a master without a store restarted at the same address comes back at the same epoch and gives ids from 1 again", Master, 4UL, 0x7ab1eUL, new ulong[] { 1, 2 })]
    public void TheGroupDidNotGoOnWithoutIt(string why, string master, ulong epoch, ulong incarnation, ulong[] world)
    {
        var after = new Standing(master, epoch, incarnation, world[^1], WorldOf(world)); // the peer taken back is the newest: the last id

        Assert.False(GroupContinuity.WentOnWithout(Before, after), why);
    }

    [Fact]
    public void TheLossKeepsTheCodeAndLostPeerIsTransientNamesTheNewPeerIdAndSaysToSynchronise()
    {
        var reason = new PcclException(PcclErrorCode.PeerLost, "peer 2 was lost", isTransient: false) { LostPeerId = 2 };

        var loss = GroupContinuity.Loss(reason, 17);

        Assert.Equal(PcclErrorCode.PeerLost, loss.Code);
        Assert.True(loss.IsTransient);
        Assert.Equal(2UL, loss.LostPeerId);
        Assert.Same(reason, loss.InnerException);
        Assert.StartsWith("peer 2 was lost; ", loss.Message, StringComparison.Ordinal);
        Assert.Contains("as peer 17 ", loss.Message, StringComparison.Ordinal);
        Assert.Contains("synchronise the shared state", loss.Message, StringComparison.Ordinal);
    }

    private static World WorldOf(params ulong[] peers)
    {
        var world = new World();
        world.Peers.AddRange(peers.Select(id => new PeerEntry { PeerId = id }));
        return world;
    }
}
