using Pccl.Master.Core;
using Pccl.Protocol.Messages;
using Pccl.Tests.Master.Support;
using Kind = Pccl.Protocol.Messages.ControlMessage.BodyOneofCase;

namespace Pccl.Tests.Master;

/// <summary>What a member can make the master hold is bounded, and going past a bound is refused with the bound named.</summary>
public class BoundsTests
{
    [Fact]
    public void ARegionLabelLongerThanTheLimit_IsRefusedAtRegistration_NamingTheKey()
    {
        var s = new MasterScenario(new MasterLimits { MaxRegionLength = 8 });

        var peer = s.Register("long", region: "eu-west-1a");

        var message = peer.WasKicked(KickReason.LimitExceeded);
        Assert.Contains("region label is 10 characters long; the master accepts at most 8: shorten network.region", message, StringComparison.Ordinal);
        Assert.Empty(s.State.Peers);
    }

    [Fact]
    public void ConnectionsThatHaveNotRegistered_AreCappedPerSourceAndInAll_AndRegisteringFreesTheSlot()
    {
        var s = new MasterScenario(new MasterLimits { MaxUnregistered = 3, MaxUnregisteredPerSource = 2 });
        var first = s.Open("first", "10.0.0.9");
        s.Open("second", "10.0.0.9");

        var third = s.Open("third", "10.0.0.9");
        Assert.Contains("10.0.0.9 already holds 2 connections that have not registered", third.WasKicked(KickReason.LimitExceeded), StringComparison.Ordinal);

        s.Open("other", "10.0.0.7");
        var fourth = s.Open("fourth", "10.0.0.8");
        Assert.Contains("already holds 3 connections that have not registered", fourth.WasKicked(KickReason.LimitExceeded), StringComparison.Ordinal);
        Assert.Equal(2, s.State.RefusedUnregistered);

        s.Send(first, Msg.Register());
        var later = s.Open("later", "10.0.0.9");
        Assert.False(later.Closed);
        Assert.Equal(3, s.State.Unregistered.Count);
    }

    [Fact]
    public void ARegionLabelAtTheLimit_IsAccepted()
    {
        var s = new MasterScenario(new MasterLimits { MaxRegionLength = 8 });

        var peer = s.Register("ok", region: "eu-west1");

        Assert.False(peer.Closed);
    }

    [Fact]
    public void APeerStartingMoreTagsThanTheLimit_IsKicked_AndItsRoundsAreForgotten()
    {
        var s = new MasterScenario(new MasterLimits { MaxTagsInFlightPerPeer = 3 });
        var peers = s.Form("a", "b");
        for (uint tag = 0; tag < 3; tag++)
        {
            s.Send(peers[0], Msg.Init(tag));
        }

        Assert.False(peers[0].Closed);
        s.Send(peers[0], Msg.Init(3));

        Assert.Contains("3 other tags in flight", peers[0].WasKicked(KickReason.LimitExceeded), StringComparison.Ordinal);
        Assert.Empty(s.State.Collectives);
    }

    [Fact]
    public void TagsOfFinishedOperations_DoNotCountTowardTheLimit()
    {
        var s = new MasterScenario(new MasterLimits { MaxTagsInFlightPerPeer = 1 });
        var peers = s.Form("a", "b");
        for (uint tag = 0; tag < 5; tag++)
        {
            var sequence = s.Run(tag, peers);
            s.Send(peers[0], Msg.Done(tag, sequence));
            s.Send(peers[1], Msg.Done(tag, sequence));
            Assert.Contains(Kind.CollectiveComplete, peers[1].Kinds);
        }
    }

    [Fact]
    public void TooManySharedStateTensorsOrTooLongAKey_IsRefusedNamingTheLimit()
    {
        var s = new MasterScenario(new MasterLimits { MaxSharedStateTensors = 2, MaxSharedStateKeyLength = 4 });
        var peers = s.Form("a", "b");

        s.Send(peers[0], Msg.SyncRequest(1, ("w", 1), ("b", 2), ("c", 3)));
        Assert.Contains("3 tensors; the master accepts at most 2", peers[0].WasKicked(KickReason.LimitExceeded), StringComparison.Ordinal);

        s.Send(peers[1], Msg.SyncRequest(1, ("weights", 1)));
        Assert.Contains("key of 7 characters; the master accepts at most 4", peers[1].WasKicked(KickReason.LimitExceeded), StringComparison.Ordinal);
    }

    [Fact]
    public void AnErrorAPeerReports_IsRelayedToTheOthersEscapedAndCut()
    {
        var s = new MasterScenario();
        var peers = s.Form("a", "b");
        var sequence = s.Run(1, peers);

        s.Send(peers[0], Msg.Done(1, sequence, success: false, error: string.Concat(Enumerable.Repeat("boom\n", 20_000))));

        var reason = peers[1].One(Kind.CollectiveAbort).CollectiveAbort.Reason;
        Assert.DoesNotContain('\n', reason);
        Assert.Contains("boom\\u000Aboom", reason, StringComparison.Ordinal);
        Assert.EndsWith("... (100000 characters)", reason, StringComparison.Ordinal);
    }

    [Fact]
    public void ARegistrationPastMaxPeers_IsRefusedAsClusterFull_WhileUnregisteredConnectionsNeverCount()
    {
        var s = new MasterScenario(new MasterLimits { MaxPeers = 2 });
        var idle = new[] { s.Open("idle1"), s.Open("idle2"), s.Open("idle3") };
        s.Register("a");
        s.Register("b");

        var third = s.Register("c");

        Assert.Contains("cluster full: 2 of 2 peers are connected (auth.max_peers)", third.WasKicked(KickReason.ClusterFull), StringComparison.Ordinal);
        Assert.All(idle, c => Assert.False(c.Closed));
    }
}
