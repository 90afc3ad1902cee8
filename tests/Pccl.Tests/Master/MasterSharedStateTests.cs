using Pccl.Protocol.Messages;
using Pccl.Tests.Master.Support;

namespace Pccl.Tests.Master;

/// <summary>The master core's shared-state rounds, without a network.</summary>
public class MasterSharedStateTests
{
    private static readonly (string, ulong)[] Elected = [("w", 0xAA)];
    private static readonly (string, ulong)[] Diverged = [("w", 0xBB)];

    [Fact]
    public void ReceiversGetTheirTensorsAndDonorAddressesAndCompleteEndsTheRound()
    {
        var master = new MasterScenario();
        master.FormGroups(0, 0, 0);
        master.SyncRequest(1, 1, Elected);
        master.SyncRequest(2, 1, Elected);
        var commands = master.SyncRequest(3, 1, Diverged);

        var plan = master.To(commands, 3).Single().SharedStateTransferPlan;
        Assert.Equal(1UL, plan.Revision);
        var receive = Assert.Single(plan.Receive);
        Assert.Equal(("w", 0xAAUL), (receive.Key, receive.Hash));
        Assert.Equal(new ulong[] { 1, 2 }, receive.DonorIds);
        Assert.Equal(new uint[] { 25000, 25001 }, plan.Donors.Select(d => d.P2PPort));
        Assert.Empty(master.To(commands, 1).Single().SharedStateTransferPlan.Receive);
        Assert.Equal([(3UL, "w")], Grants(master.To(commands, 1).Single().SharedStateTransferPlan)); // only peer 3 may pull, and only "w", from the donors
        Assert.Equal([(3UL, "w")], Grants(master.To(commands, 2).Single().SharedStateTransferPlan));
        Assert.Empty(plan.Grants); // nobody pulls from the receiver

        var done = master.SyncDone(3, plan.Sequence);

        Assert.All(new ulong[] { 1, 2, 3 }, p => Assert.Equal(1UL, master.To(done, p).Single().SharedStateSyncComplete.Revision));
        Assert.Empty(master.Core.State.SharedStateSyncs);
        Assert.Equal(1UL, master.Core.State.SharedStateRevisions[0]);
    }

    [Fact]
    public void EachDonorLearnsEveryReceiverThatMayPullFromItOnceAndInOrder()
    {
        (string, ulong)[] elected = [("a", 0xA1), ("b", 0xB1)];
        (string, ulong)[] diverged = [("a", 0xA2), ("b", 0xB2)];
        var master = new MasterScenario();
        master.FormGroups(0, 0, 0, 0, 0);
        master.SyncRequest(5, 1, diverged);
        master.SyncRequest(1, 1, elected);
        master.SyncRequest(4, 1, diverged);
        master.SyncRequest(2, 1, elected);
        var commands = master.SyncRequest(3, 1, elected);

        Assert.All(new ulong[] { 1, 2, 3 }, p =>
            Assert.Equal([(4UL, "a"), (4UL, "b"), (5UL, "a"), (5UL, "b")], Grants(master.To(commands, p).Single().SharedStateTransferPlan)));
        Assert.All(new ulong[] { 4, 5 }, p => Assert.Empty(master.To(commands, p).Single().SharedStateTransferPlan.Grants));
    }

    [Fact]
    public void NobodyReceivingCompletesAtOnce()
    {
        var master = new MasterScenario();
        master.FormGroups(0, 0);
        master.SyncRequest(1, 3, Elected);
        var commands = master.SyncRequest(2, 3, Elected);

        Assert.All(new ulong[] { 1, 2 }, p => Assert.Equal(
            [ControlMessage.BodyOneofCase.SharedStateTransferPlan, ControlMessage.BodyOneofCase.SharedStateSyncComplete],
            master.To(commands, p).Select(m => m.BodyCase)));
    }

    [Fact]
    public void LosingOneOfSeveralDonorsLetsTheReceiverFinish()
    {
        var master = new MasterScenario();
        master.FormGroups(0, 0, 0);
        master.SyncRequest(1, 1, Elected);
        master.SyncRequest(2, 1, Elected);
        var sequence = master.To(master.SyncRequest(3, 1, Diverged), 3).Single().SharedStateTransferPlan.Sequence;

        var lost = master.Lose(1);

        Assert.DoesNotContain(lost.OfType<Pccl.Master.Core.SendMessage>(), s => s.Message.BodyCase == ControlMessage.BodyOneofCase.SharedStateSyncAbort);
        var done = master.SyncDone(3, sequence);
        Assert.Single(master.To(done, 2));
        Assert.Equal(ControlMessage.BodyOneofCase.SharedStateSyncComplete, master.To(done, 3).Single().BodyCase);
    }

    [Fact]
    public void LosingTheLastDonorOfATensorAbortsAsPeerLost()
    {
        var master = new MasterScenario();
        master.FormGroups(0, 0);
        master.SyncRequest(1, 1, Elected);
        master.SyncRequest(2, 1, [("w", 0xFF)]); // tie: peer 1's content wins, peer 2 receives from peer 1 only

        var abort = master.To(master.Lose(1), 2).Single(m => m.BodyCase == ControlMessage.BodyOneofCase.SharedStateSyncAbort).SharedStateSyncAbort;

        Assert.Equal(SharedStateSyncFailure.PeerLost, abort.Failure);
        Assert.Equal(1UL, abort.LostPeerId);
        Assert.Contains("'w'", abort.Reason);
    }

    [Fact]
    public void LosingAReceiverDoesNotDisturbTheOthers()
    {
        var master = new MasterScenario();
        master.FormGroups(0, 0, 0);
        master.SyncRequest(1, 1, Elected);
        master.SyncRequest(2, 1, Elected);
        master.SyncRequest(3, 1, Diverged);

        var lost = master.Lose(3);

        Assert.All(new ulong[] { 1, 2 }, p => Assert.Contains(master.To(lost, p), m => m.BodyCase == ControlMessage.BodyOneofCase.SharedStateSyncComplete));
    }

    [Fact]
    public void APeerLostWhileGatheringIsLeftOut()
    {
        var master = new MasterScenario();
        master.FormGroups(0, 0, 0);
        master.SyncRequest(1, 1, Elected);
        master.SyncRequest(2, 1, Elected);

        var lost = master.Lose(3);

        Assert.All(new ulong[] { 1, 2 }, p => Assert.Contains(master.To(lost, p), m => m.BodyCase == ControlMessage.BodyOneofCase.SharedStateTransferPlan));
    }

    [Fact]
    public void AFailedReceiverAbortsTheRoundForTheOthers()
    {
        var master = new MasterScenario();
        master.FormGroups(0, 0);
        master.SyncRequest(1, 1, Elected);
        var sequence = master.To(master.SyncRequest(2, 1, Diverged), 2).Single().SharedStateTransferPlan.Sequence;

        var abort = master.To(master.SyncDone(2, sequence, success: false), 1).Single().SharedStateSyncAbort;

        Assert.Equal(SharedStateSyncFailure.PeerFailed, abort.Failure);
        Assert.Equal(new ulong[] { 2 }, abort.PeersAtFault);
        Assert.Empty(master.Core.State.SharedStateSyncs);
        Assert.False(master.Core.State.SharedStateRevisions.ContainsKey(0));
    }

    [Fact]
    public void GroupsKeepTheirOwnRevisionsAndAnEmptiedGroupIsForgotten()
    {
        var master = new MasterScenario();
        master.FormGroups(0, 1);
        master.SyncRequest(1, 5, Elected);
        master.SyncRequest(2, 1, Elected);
        Assert.Equal((5UL, 1UL), (master.Core.State.SharedStateRevisions[0], master.Core.State.SharedStateRevisions[1]));

        master.Lose(2);

        Assert.False(master.Core.State.SharedStateRevisions.ContainsKey(1));
        Assert.Equal(5UL, master.Core.State.SharedStateRevisions[0]);
    }

    [Fact]
    public void ASecondRequestWhileOneIsInFlightIsKicked()
    {
        var master = new MasterScenario();
        master.FormGroups(0, 0);
        master.SyncRequest(1, 1, Elected);

        var commands = master.SyncRequest(1, 1, Elected);

        Assert.Equal(KickReason.IllegalState, master.To(commands, 1).Single(m => m.BodyCase == ControlMessage.BodyOneofCase.Kick).Kick.Reason);
    }

    private static (ulong Receiver, string Key)[] Grants(SharedStateTransferPlan plan) =>
        [.. plan.Grants.SelectMany(g => g.Keys.Select(k => (g.ReceiverId, k)))];
}
