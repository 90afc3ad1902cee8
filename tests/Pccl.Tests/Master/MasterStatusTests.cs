using Pccl.Master.Server;
using Pccl.Protocol.Messages;
using Pccl.Telemetry;
using Pccl.Tests.Master.Support;

namespace Pccl.Tests.Master;

/// <summary>The master's /status document, its recent-operations log and the kick labels it counts.</summary>
public class MasterStatusTests
{
    private static readonly DateTimeOffset At = new(2025, 1, 1, 0, 0, 0, TimeSpan.Zero);

    [Fact]
    public void StatusListsPeersRingsWaitingPeersAndOperationsInFlight()
    {
        var s = new MasterScenario();
        var (a, b) = (s.Join("a"), s.Join("b"));
        var c = s.Register("c");
        s.Send(a, Msg.Init(5));

        var status = MasterStatus.From(s.State, 7117, new RecentOperations(), new LeadershipStatus(true, 1, "m1:7117", null));

        Assert.Equal("leader", status.Role);
        Assert.Equal(2, status.WorldSize);
        Assert.Equal(s.State.WorldRevision, status.WorldRevision);
        Assert.Equal([a.Id, b.Id, c.Id], status.Peers.Select(p => p.Id));
        Assert.Equal(["accepted", "accepted", "registered"], status.Peers.Select(p => p.Phase));
        var group = Assert.Single(status.Groups);
        Assert.Equal([a.Id, b.Id], group.Ring);
        Assert.Equal([c.Id], group.Waiting);
        var op = Assert.Single(status.OperationsInFlight);
        Assert.Equal((5U, "gathering", (ulong?)null), (op.Tag, op.State, op.Sequence));
        Assert.Equal([a.Id], op.Peers);

        s.Send(b, Msg.Init(5));
        var running = Assert.Single(MasterStatus.From(s.State, 7117, new RecentOperations(), new LeadershipStatus(true, 1, "m1:7117", null)).OperationsInFlight);
        Assert.Equal("running", running.State);
        Assert.Equal([a.Id, b.Id], running.Peers);
    }

    [Fact]
    public void RecentOperationsKeepEachEventOnceAndOnlyTheLastOnes()
    {
        var recent = new RecentOperations(capacity: 3);
        var start = new ControlMessage { CollectiveStart = new CollectiveStart { Tag = 1, Sequence = 9, Ring = { 1, 2, 3 } } };

        recent.Note(start, 0, At); // one copy per participant
        recent.Note(start, 0, At);
        recent.Note(new ControlMessage { Registered = new Registered() }, 0, At);
        recent.Note(new ControlMessage { CollectiveAbort = new CollectiveAbort { Tag = 1, Sequence = 9, Failure = CollectiveFailure.PeerLost, Reason = "peer 3 was lost" } }, 0, At);

        var events = recent.Snapshot();
        Assert.Equal(["start", "abort"], events.Select(e => e.Event));
        Assert.Equal(3, events[0].Peers);
        Assert.Contains("peer 3 was lost", events[1].Reason, StringComparison.Ordinal);

        for (ulong sequence = 10; sequence < 15; sequence++)
        {
            recent.Note(new ControlMessage { CollectiveComplete = new CollectiveComplete { Tag = 1, Sequence = sequence } }, 0, At);
        }

        Assert.Equal([12UL, 13UL, 14UL], recent.Snapshot().Select(e => e.Sequence));
    }

    [Theory]
    [InlineData("IllegalState: sent Goodbye twice", MetricTags.KickReasons.ProtocolViolation)]
    [InlineData("ProtocolViolation: p2p port 0 is not a valid port", MetricTags.KickReasons.ProtocolViolation)]
    [InlineData("HeartbeatTimeout: silent", MetricTags.KickReasons.HeartbeatTimeout)]
    [InlineData("DeadlineMissed: deadline missed: did not register within 10000 ms", MetricTags.KickReasons.DeadlineMissed)]
    [InlineData("LimitExceeded: region label is 200 characters long", MetricTags.KickReasons.ProtocolViolation)]
    [InlineData("ClusterFull: cluster full: 2 of 2 peers are connected", MetricTags.KickReasons.Other)]
    [InlineData("LoopbackMix: mixed addresses", MetricTags.KickReasons.Other)]
    [InlineData("no reason given", MetricTags.KickReasons.Other)]
    [InlineData("12345: numeric", MetricTags.KickReasons.Other)]
    public void KickDetailsMapToTheClosedReasonLabels(string detail, string label) =>
        Assert.Equal(label, KickLabels.ForDetail(detail));

    [Fact]
    public void TheCoreWritesKickDetailsInTheFormTheLabelsParse()
    {
        var s = new MasterScenario();
        var a = s.Join("a");

        s.Send(a, Msg.Register());

        var kick = Assert.Single(s.Reports, r => r.Change == Pccl.Master.Core.MembershipChange.Kicked);
        Assert.Equal(MetricTags.KickReasons.ProtocolViolation, KickLabels.ForDetail(kick.Detail));
    }
}
