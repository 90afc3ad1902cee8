using Pccl.Master.Core;
using Pccl.Protocol.Messages;
using Pccl.Tests.Master.Support;
using Kind = Pccl.Protocol.Messages.ControlMessage.BodyOneofCase;

namespace Pccl.Tests.Master;

/// <summary>
/// A new leader settles the all-reduces its lost predecessor left in doubt, from what the re-registering peers report:
/// completed when anyone was told so or everyone moved its data; failed when someone had not, or did not come back in time.
/// </summary>
public class InDoubtSettlementTests
{
    private const ulong LostEpoch = 4;
    private const ulong Sequence = 17;
    private const uint Tag = 3;
    private static readonly ulong[] Ring = [11, 12, 13];
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(1);

    private readonly MasterScenario _s = new(MasterLimits.Default with { InDoubtTimeout = Bound });

    private static ControlMessage Report(ulong formerId, bool inDoubt, ulong completedSequence = 0, params ulong[] participants)
    {
        var session = new PriorSession { Epoch = LostEpoch, PeerId = formerId };
        if (completedSequence != 0)
        {
            session.Completed.Add(new CollectiveOutcome { Tag = Tag, Sequence = completedSequence });
        }

        if (inDoubt)
        {
            session.InDoubt.Add(new InDoubtCollective { Tag = Tag, Sequence = Sequence, Participants = { participants.Length == 0 ? Ring : participants } });
        }

        var register = Msg.Register();
        register.Register.PriorSessions.Add(session);
        return register;
    }

    private SimPeer Returns(string name, ControlMessage report)
    {
        var peer = _s.Open(name);
        _s.Send(peer, report);
        return peer;
    }

    private static CollectiveResolved? VerdictOf(SimPeer peer) =>
        peer.Batch.SingleOrDefault(m => m.BodyCase == Kind.CollectiveResolved)?.CollectiveResolved;

    [Fact]
    public void APeerToldItCompletedSettlesItAsCompletedForThoseInDoubt()
    {
        var b = Returns("b", Report(12, inDoubt: true, completedSequence: Sequence - 1));
        Assert.Null(VerdictOf(b));
        var c = Returns("c", Report(13, inDoubt: true));
        Assert.Null(VerdictOf(c));

        Returns("a", Report(11, inDoubt: false, completedSequence: Sequence));

        foreach (var waiting in new[] { b, c })
        {
            var verdict = waiting.Inbox.Single(m => m.BodyCase == Kind.CollectiveResolved).CollectiveResolved;
            Assert.Equal((LostEpoch, Tag, Sequence, true), (verdict.PriorEpoch, verdict.Tag, verdict.Sequence, verdict.Completed));
            Assert.Contains("peer 11 was told it completed", verdict.Reason);
        }

        Assert.Empty(_s.State.InDoubt);
    }

    [Fact]
    public void EveryParticipantInDoubtCompletesIt()
    {
        var a = Returns("a", Report(11, inDoubt: true));
        var b = Returns("b", Report(12, inDoubt: true));
        Assert.All(new[] { a, b }, p => Assert.DoesNotContain(p.Inbox, m => m.BodyCase == Kind.CollectiveResolved));

        var c = Returns("c", Report(13, inDoubt: true));

        Assert.All(new[] { a, b, c }, p =>
        {
            var verdict = p.Inbox.Single(m => m.BodyCase == Kind.CollectiveResolved).CollectiveResolved;
            Assert.True(verdict.Completed);
            Assert.Contains("every participant had moved its data", verdict.Reason);
        });
        Assert.Single(_s.Commands.OfType<ReportInDoubtSettled>(), r => r is { Completed: true, Told: 3 });
    }

    [Fact]
    public void AParticipantThatHadNotMovedItsDataFailsIt()
    {
        var a = Returns("a", Report(11, inDoubt: true));
        var b = Returns("b", Report(12, inDoubt: true));

        Returns("c", Report(13, inDoubt: false, completedSequence: Sequence - 1));

        Assert.All(new[] { a, b }, p =>
        {
            var verdict = VerdictOf(p);
            Assert.NotNull(verdict);
            Assert.False(verdict.Completed);
            Assert.Contains("peer 13 had not moved its data", verdict.Reason);
        });
    }

    [Fact]
    public void AParticipantThatDoesNotComeBackWithinTheBoundFailsIt()
    {
        var a = Returns("a", Report(11, inDoubt: true));
        _s.Advance(Bound / 2);
        var b = Returns("b", Report(12, inDoubt: true));
        _s.Advance(Bound / 2 - TimeSpan.FromMilliseconds(1));
        Assert.All(new[] { a, b }, p => Assert.DoesNotContain(p.Inbox, m => m.BodyCase == Kind.CollectiveResolved));

        _s.Advance(TimeSpan.FromMilliseconds(1));

        Assert.All(new[] { a, b }, p =>
        {
            var verdict = VerdictOf(p);
            Assert.NotNull(verdict);
            Assert.False(verdict.Completed);
            Assert.Contains("peer 13 of the operation did not register again within 1000 ms", verdict.Reason);
        });
        Assert.Empty(_s.State.InDoubt);
    }

    [Fact]
    public void AReportLeavesWithItsReporter()
    {
        var a = Returns("a", Report(11, inDoubt: false, completedSequence: Sequence));
        Assert.Single(_s.State.PriorReports);
        _s.Drop(a);
        Assert.Empty(_s.State.PriorReports);

        var b = Returns("b", Report(12, inDoubt: true));
        Assert.Null(VerdictOf(b));
        _s.Drop(b);
        Assert.Empty(_s.State.InDoubt);
    }

    [Fact]
    public void AnInDoubtReportWithoutItsReporterAmongTheParticipantsIsRefused()
    {
        var a = Returns("a", Report(14, inDoubt: true));

        var message = a.WasKicked(KickReason.ProtocolViolation);
        Assert.Contains("do not include the reporter (14)", message);
        Assert.Empty(_s.State.InDoubt);
    }
}
