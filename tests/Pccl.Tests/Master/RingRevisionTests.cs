using Pccl.Master.Core;
using Pccl.Protocol.Messages;
using Pccl.Tests.Master.Support;
using Kind = Pccl.Protocol.Messages.ControlMessage.BodyOneofCase;

namespace Pccl.Tests.Master;

/// <summary>A collective start carries the ring only to a member that does not hold that revision of it.</summary>
public class RingRevisionTests
{
    private readonly MasterScenario _s = new();

    [Fact]
    public void AStartLeavesOutTheRingAKeepingPeerWasSentBefore()
    {
        var a = JoinKeeping("a");
        var b = JoinKeeping("b");

        RunAndComplete(1, a, b);
        var first = a.Starts[1];
        _s.Run(2, a, b);
        var second = a.Starts[2];

        Assert.Equal(WorldExtensions.Ids(a, b), first.Ring);
        Assert.NotEqual(0UL, first.RingRevision);
        Assert.Empty(second.Ring);
        Assert.Equal(first.RingRevision, second.RingRevision);
        Assert.Equal((2U, first.Sequence + 1), (second.Tag, second.Sequence));
    }

    [Fact]
    public void APeerThatKeepsNoRingGetsItInEveryStart()
    {
        var a = JoinKeeping("a");
        var c = _s.Join("c");

        RunAndComplete(1, a, c);
        _s.Run(2, a, c);

        Assert.Equal(WorldExtensions.Ids(a, c), c.Starts[1].Ring);
        Assert.Equal(WorldExtensions.Ids(a, c), c.Starts[2].Ring);
        Assert.Empty(a.Starts[2].Ring);
    }

    [Fact]
    public void AChangedRingGetsANewRevisionAndGoesToEveryMember()
    {
        var a = JoinKeeping("a");
        var b = JoinKeeping("b");
        RunAndComplete(1, a, b);
        var before = a.Starts[1].RingRevision;

        var d = JoinKeeping("d");
        _s.Run(2, a, b, d);

        Assert.All(new[] { a, b, d }, p => Assert.Equal(WorldExtensions.Ids(a, b, d), p.Starts[2].Ring));
        Assert.All(new[] { a, b, d }, p => Assert.True(p.Starts[2].RingRevision > before, $"{p.Name}: revision {p.Starts[2].RingRevision} after {before}"));
    }

    [Fact]
    public void ALostPeerChangesTheRingOfTheNextStart()
    {
        var a = JoinKeeping("a");
        var b = JoinKeeping("b");
        var c = JoinKeeping("c");
        RunAndComplete(1, a, b, c);
        var before = a.Starts[1].RingRevision;

        _s.Lose(c.Id);
        _s.Run(2, a, b);

        Assert.Equal(WorldExtensions.Ids(a, b), a.Starts[2].Ring);
        Assert.NotEqual(before, a.Starts[2].RingRevision);
    }

    [Fact]
    public void APeerRegisteredAgainGetsTheRingOnItsNewConnection()
    {
        var a = JoinKeeping("a");
        var b = JoinKeeping("b");
        RunAndComplete(1, a, b);
        _s.Send(b, Msg.Goodbye());
        var again = JoinKeeping("b2");
        RunAndComplete(2, a, again);

        Assert.Equal(WorldExtensions.Ids(a, again), again.Starts[2].Ring);
    }

    [Fact]
    public void EveryMemberGetsOneOfTwoMessageInstancesSoEachIsEncodedOnce()
    {
        var a = JoinKeeping("a");
        var b = JoinKeeping("b");
        var c = _s.Join("c");
        RunAndComplete(1, a, b, c);

        _s.Send(a, Msg.Init(2));
        _s.Send(b, Msg.Init(2));
        var commands = _s.Send(c, Msg.Init(2));

        var starts = commands.OfType<SendMessage>().Where(s => s.Message.BodyCase == Kind.CollectiveStart).ToList();
        Assert.Equal(3, starts.Count);
        Assert.Equal(2, starts.Select(s => s.Message).Distinct(ReferenceEqualityComparer.Instance).Count());
        Assert.Same(To(starts, a), To(starts, b));
    }

    private static ControlMessage To(List<SendMessage> sends, SimPeer peer) => sends.Single(s => s.ConnectionId == peer.ConnectionId).Message;

    /// <summary>Registers the way a library peer does (keeping the ring) and admits the peer with a full topology round.</summary>
    private SimPeer JoinKeeping(string name)
    {
        var peer = _s.Open(name);
        _s.Send(peer, new ControlMessage { Register = new Register { P2PPort = 7118, KeepsRing = true } });
        if (!peer.Kinds.Contains(Kind.TopologyUpdate))
        {
            _s.AllAcceptedVoteTopology();
        }

        _s.ConnectEveryone();
        Assert.Equal(PeerPhase.Accepted, _s.PeerOf(peer).Phase);
        return peer;
    }

    private void RunAndComplete(uint tag, params SimPeer[] peers)
    {
        var sequence = _s.Run(tag, peers);
        foreach (var p in peers)
        {
            _s.Send(p, Msg.Done(tag, sequence));
        }

        Assert.All(peers, p => p.One(Kind.CollectiveComplete));
    }
}
