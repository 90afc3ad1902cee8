using Pccl.Operations.Collectives;
using Pccl.Protocol.Messages;

namespace Pccl.Tests.Collectives;

/// <summary>A peer's memory of its all-reduces across registrations: what it reports to the next leader and how verdicts reach the held calls.</summary>
public class CollectiveOutcomesTests
{
    private static CollectiveStart Start(ulong sequence, uint tag = 5) => new() { Tag = tag, Sequence = sequence, Ring = { 1, 2, 3 } };

    [Fact]
    public void ALostRegistrationIsReportedWithItsCompletedTagsAndItsOperationsInDoubt()
    {
        var outcomes = new CollectiveOutcomes();
        outcomes.Joined(epoch: 2, peerId: 2);
        Assert.NotNull(outcomes.DataMoved(2, 2, Start(7)));
        outcomes.Completed(2, 2, tag: 5, sequence: 7);
        Assert.NotNull(outcomes.DataMoved(2, 2, Start(8)));

        var report = Assert.Single(outcomes.Report());

        Assert.Equal((2UL, 2UL), (report.Epoch, report.PeerId));
        Assert.Equal((5U, 7UL), (report.Completed.Single().Tag, report.Completed.Single().Sequence));
        var doubt = Assert.Single(report.InDoubt);
        Assert.Equal((5U, 8UL), (doubt.Tag, doubt.Sequence));
        Assert.Equal([1UL, 2UL, 3UL], doubt.Participants);
    }

    [Fact]
    public void DataMovedAfterTheReportIsNotHeldSinceTheReportSaidItHadNot()
    {
        var outcomes = new CollectiveOutcomes();
        outcomes.Joined(2, 2);
        outcomes.Report();

        Assert.Null(outcomes.DataMoved(2, 2, Start(9)));
    }

    [Fact]
    public async Task TheVerdictReachesTheHeldOperationAndACompletedOneCountsAsCompleted()
    {
        var outcomes = new CollectiveOutcomes();
        outcomes.Joined(2, 2);
        var held = outcomes.DataMoved(2, 2, Start(8))!;
        outcomes.Report();

        outcomes.OnResolved(new CollectiveResolved { PriorEpoch = 2, Tag = 5, Sequence = 8, Completed = true, Reason = "peer 1 was told it completed" });

        Assert.True((await held.Verdict).Completed);
        var again = Assert.Single(outcomes.Report());
        Assert.Empty(again.InDoubt);
        Assert.Equal(8UL, again.Completed.Single().Sequence);
    }

    [Fact]
    public async Task WhenNoLeaderTakesThePeerBackEveryHeldOperationFails()
    {
        var outcomes = new CollectiveOutcomes();
        outcomes.Joined(2, 2);
        var held = outcomes.DataMoved(2, 2, Start(8))!;

        outcomes.FailAll(new PcclException(PcclErrorCode.MasterLost, "no master accepted this peer again"));

        var e = await Assert.ThrowsAsync<PcclException>(() => held.Verdict);
        Assert.Equal(PcclErrorCode.MasterLost, e.Code);
        Assert.Empty(outcomes.Report().Single().InDoubt);
    }

    [Fact]
    public void OldRegistrationsAreForgottenUnlessTheyStillHoldAnOperationInDoubt()
    {
        var outcomes = new CollectiveOutcomes();
        outcomes.Joined(1, 1);
        outcomes.DataMoved(1, 1, Start(3));
        for (var epoch = 2UL; epoch <= 20; epoch++)
        {
            outcomes.Joined(epoch, 1);
        }

        var report = outcomes.Report();

        Assert.Equal(8, report.Count);
        Assert.Equal(1UL, report[0].Epoch);
        Assert.Equal(20UL, report[^1].Epoch);
    }
}
