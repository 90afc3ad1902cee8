using Pccl.Cli.Chaos;
using Pccl.Cli.Workload;

namespace Pccl.Tests.Chaos;

/// <summary>The chaos verdict on constructed event streams: each rule fails the run on its own, and a clean stream passes.</summary>
public sealed class ChaosRefereeTests
{
    private const int Elements = 100;
    private static readonly ulong[] Both = [1, 2];
    private readonly ChaosReferee _referee = new(new ChaosOptions
    {
        Elements = Elements,
        StallLimit = TimeSpan.FromSeconds(5),
        StartupGrace = TimeSpan.FromSeconds(5),
    });

    private static TimeSpan At(double seconds) => TimeSpan.FromSeconds(seconds);

    private static string SumHash(IEnumerable<ulong> peers, ulong key)
    {
        var sum = new float[Elements];
        Contribution.FillSum(sum, peers, key);
        return Contribution.Hash(sum);
    }

    private static string InputHash(ulong peer, ulong key)
    {
        var input = new float[Elements];
        Contribution.Fill(input, peer, key);
        return Contribution.Hash(input);
    }

    /// <summary>What a correct worker reports: peer <paramref name="peer"/>'s part of operation <paramref name="seq"/> at revision (and key) <paramref name="revision"/>.</summary>
    private static ChaosStep Step(ulong peer, ulong seq, ulong[] peers, ulong revision) =>
        new(peer, seq, peers.Length, SumHash(peers, revision), peers, revision, InputHash(peer, revision), revision, $"state-{revision}", 0);

    private void Play(params ChaosEvent[] events)
    {
        foreach (var e in events)
        {
            _referee.Observe(e);
        }
    }

    /// <summary>Workers 1 and 2 (peers 1 and 2) start at 0 s and complete revisions 1..<paramref name="revisions"/>, one per 0.1 s from 1 s on.</summary>
    private void TrainTogether(int revisions)
    {
        Play(new WorkerStarted(At(0), 1), new WorkerStarted(At(0), 2));
        for (var r = 1UL; r <= (ulong)revisions; r++)
        {
            var t = At(1 + (r * 0.1));
            Play(new StepReported(t, 1, Step(1, r, Both, r)), new StepReported(t, 2, Step(2, r, Both, r)), new Tick(t));
        }
    }

    [Fact]
    public void CleanStreamPasses()
    {
        TrainTogether(revisions: 5);
        Play(
            new WorkerStarted(At(2), 3),
            new StepReported(At(2.5), 1, Step(1, 6, [1, 2, 3], 6)),
            new StepReported(At(2.5), 3, Step(3, 6, [1, 2, 3], 6)),
            new StepReported(At(2.5), 2, Step(2, 6, [1, 2, 3], 6)),
            new WorkerKilled(At(3), 3),
            new WorkerStopped(At(3), 2),
            new Tick(At(6)),
            new WorkerContinued(At(7), 2),
            new WorkerExited(At(7.1), 3, 137, SaysRemoved: false, ""),
            new WorkerExited(At(7.2), 2, 1, SaysRemoved: true, "error (Kicked): removed"),
            new Tick(At(8)));

        Assert.Null(_referee.Finish());
        Assert.Equal(13, _referee.Tally.Steps);
        Assert.Equal(6, _referee.Tally.Operations);
        Assert.Equal(1, _referee.Tally.Evicted);
        Assert.Equal(3, _referee.Tally.MaxWorld);
    }

    [Fact]
    public void StallFails()
    {
        TrainTogether(revisions: 3);
        Play(new Tick(At(3)), new Tick(At(6.2)));
        Assert.Null(_referee.Failure);
        Assert.False(_referee.Stalled);

        _referee.Observe(new Tick(At(6.4)));

        Assert.Contains("no step completed for 5.1 s while 2 peers were running (w1 3 steps, w2 3 steps)", _referee.Failure);
        Assert.True(_referee.Stalled); // the driver then adds what each running worker logged last
    }

    [Fact]
    public void NoStallWhileFewerThanTwoPeersRun()
    {
        TrainTogether(revisions: 3);
        Play(new WorkerStopped(At(2), 2), new Tick(At(4)), new Tick(At(9)), new Tick(At(14)));

        Assert.Null(_referee.Finish());
        Assert.False(_referee.Stalled);
    }

    [Fact]
    public void CrashFails()
    {
        TrainTogether(revisions: 2);

        _referee.Observe(new WorkerExited(At(3), 2, 134, SaysRemoved: false, "Unhandled exception"));

        Assert.Contains("worker 2 exited with code 134 without being killed", _referee.Failure);
        Assert.Contains("Unhandled exception", _referee.Failure);
    }

    [Fact]
    public void LeavingAsRemovedWithoutHavingBeenStoppedIsACrash()
    {
        TrainTogether(revisions: 2);

        _referee.Observe(new WorkerExited(At(3), 2, 1, SaysRemoved: true, "error (MasterLost): heartbeats unanswered"));

        Assert.Contains("without being killed", _referee.Failure);
    }

    [Fact]
    public void DisagreementFails()
    {
        TrainTogether(revisions: 2);
        var other = Step(2, 3, Both, 3) with { ResultHash = SumHash([2], 3) };

        Play(new StepReported(At(2), 1, Step(1, 3, Both, 3)), new StepReported(At(2), 2, other));

        Assert.Contains("operation seq 3 has different results", _referee.Failure);
        Assert.Equal(1, _referee.Tally.Disagreements);
    }

    [Fact]
    public void DifferentParticipantsForOneOperationFail()
    {
        TrainTogether(revisions: 2);

        Play(new StepReported(At(2), 1, Step(1, 3, Both, 3)), new StepReported(At(2), 2, Step(2, 3, [2], 3)));

        Assert.Contains("operation seq 3 has different inputs", _referee.Failure);
    }

    [Fact]
    public void WrongSumFails()
    {
        TrainTogether(revisions: 2);
        // Both peers agree on a result that misses peer 2's input.
        var wrong = SumHash([1], 3);

        Play(new StepReported(At(2), 1, Step(1, 3, Both, 3) with { ResultHash = wrong }), new StepReported(At(2), 2, Step(2, 3, Both, 3) with { ResultHash = wrong }));

        Assert.Contains($"worker 1 (peer 1, world 2) holds {wrong}, but the exact sum of those peers' inputs hashes to {SumHash(Both, 3)}", _referee.Failure);
        Assert.Equal(1, _referee.Tally.WrongSums);
    }

    [Fact]
    public void InputThatIsNotThePeersOwnFails()
    {
        TrainTogether(revisions: 2);

        _referee.Observe(new StepReported(At(2), 2, Step(2, 3, Both, 3) with { InputHash = InputHash(2, 2) }));

        Assert.Contains("worker 2 (peer 2) fed input", _referee.Failure);
    }

    [Fact]
    public void StepWithoutParticipantsFails()
    {
        TrainTogether(revisions: 1);

        _referee.Observe(new StepReported(At(2), 2, Step(2, 2, Both, 2) with { Peers = null }));

        Assert.Contains("its sum cannot be checked", _referee.Failure);
    }

    [Fact]
    public void ResumingFromTheNewestCheckpointAfterATotalLossPasses()
    {
        TrainTogether(revisions: 12);
        Play(new WorkerKilled(At(3), 1), new WorkerKilled(At(3), 2), new TotalLoss(At(3), 12, 10, "state-10"),
            new WorkerStarted(At(3), 3), new WorkerStarted(At(3), 4), new Tick(At(4)));
        Assert.True(_referee.AwaitingRecovery);

        Play(new WorkerResumed(At(4), 3, 10, "state-10"), new WorkerResumed(At(4), 4, 10, "state-10"),
            new StepReported(At(5), 3, Step(3, 13, [3, 4], 11)), new StepReported(At(5), 4, Step(4, 13, [3, 4], 11)), new Tick(At(5)));

        Assert.Null(_referee.Finish());
        Assert.False(_referee.AwaitingRecovery);
        Assert.Equal(1, _referee.Tally.Recoveries);
        Assert.Equal(12UL, _referee.Tally.LostRevision);
        Assert.Equal(10UL, _referee.Tally.CheckpointRevision);
    }

    [Fact]
    public void RestartingFromZeroAfterATotalLossFails()
    {
        TrainTogether(revisions: 12);
        Play(new TotalLoss(At(3), 12, 10, "state-10"), new WorkerStarted(At(3), 3), new WorkerStarted(At(3), 4));

        _referee.Observe(new StepReported(At(5), 3, Step(3, 13, [3, 4], 1)));

        Assert.Contains("started again from zero", _referee.Failure);
    }

    [Fact]
    public void ResumingFromAnOlderCheckpointFails()
    {
        TrainTogether(revisions: 12);
        Play(new TotalLoss(At(3), 12, 10, "state-10"), new WorkerStarted(At(3), 3));

        _referee.Observe(new WorkerResumed(At(4), 3, 5, "state-5"));

        Assert.Contains("not from the newest one, revision 10", _referee.Failure);
    }

    [Fact]
    public void LateStepsOfTheLostWorkersDoNotCountAsTheRestart()
    {
        TrainTogether(revisions: 12);
        Play(new TotalLoss(At(3), 12, 10, "state-10"), new WorkerStarted(At(3), 3), new WorkerStarted(At(3), 4),
            new StepReported(At(3.1), 1, Step(1, 13, Both, 13)));

        Assert.Null(_referee.Failure);
        Assert.True(_referee.AwaitingRecovery);
    }

    [Fact]
    public void ACheckpointThatIsNotTheReportedStateFails()
    {
        TrainTogether(revisions: 12);

        _referee.Observe(new TotalLoss(At(3), 12, 10, "something-else"));

        Assert.Contains("the newest checkpoint (revision 10) holds state something-else, but the peers reported [state-10]", _referee.Failure);
    }

    [Fact]
    public void TotalLossWithoutCheckpointFails()
    {
        TrainTogether(revisions: 3);

        _referee.Observe(new TotalLoss(At(3), 3, null, null));

        Assert.Contains("no checkpoint exists: the model is lost", _referee.Failure);
    }

    [Fact]
    public void NoStepAfterATotalLossByTheEndFails()
    {
        TrainTogether(revisions: 12);
        Play(new TotalLoss(At(3), 12, 10, "state-10"), new WorkerStarted(At(3), 3), new WorkerStarted(At(3), 4));

        Assert.Contains("no step completed after the total loss at revision 12", _referee.Finish());
    }
}
