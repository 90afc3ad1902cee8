using Pccl.Master.Core;
using Pccl.Tests.Master.Support;
using Kind = Pccl.Protocol.Messages.ControlMessage.BodyOneofCase;

namespace Pccl.Tests.Master;

/// <summary>
/// Behaviour of the master core that is wrong today. Each test fails until the core is fixed; the report that came
/// with them names the cause and a suggested fix.
/// </summary>
public class RegressionTests
{
    private readonly MasterScenario _s = new();

    /// <summary>
    /// A failed admission round with nobody accepted leaves the waiting peers stranded: FinishTopologyRound's failure
    /// path (reached from OnP2PConnectResult) never calls AdmitWaitingIfWorldEmpty, and nobody is left to vote.
    /// </summary>
    [Fact]
    public void AFailedRoundWithNobodyAcceptedIsRetriedInsteadOfStrandingTheJoiners()
    {
        var a = _s.Join("a");
        var w = _s.Register("w");
        var x = _s.Register("x");
        _s.Send(a, Msg.Goodbye()); // the last accepted peer leaves: w and x are admitted by a round of their own
        Assert.NotNull(_s.State.Topology);

        _s.Send(w, Msg.ConnectFailed("x refused the ring connection"));
        _s.Send(x, Msg.Connected());

        Assert.Contains(Kind.TopologyFailed, w.Kinds);
        Assert.True(_s.State.Topology is not null || _s.State.Accepted.Any(),
            "w and x are back to waiting with nobody accepted to vote for them: they wait forever");
    }

    [Fact]
    public void ALoneFirstPeerWhoseRoundFailedIsAdmittedAgain()
    {
        var a = _s.Register("a");

        _s.Send(a, Msg.ConnectFailed("could not bind the p2p port"));

        a.Got(Kind.TopologyFailed, Kind.TopologyUpdate);
    }

    /// <summary>
    /// Losing a peer aborts every collective of its group, even one the lost peer is not part of: here a joiner that
    /// was never a participant. The same happens to a peer accepted after the collective started.
    /// </summary>
    [Fact]
    public void LosingAJoinerDoesNotAbortACollectiveItIsNotPartOf()
    {
        var (a, b) = (_s.Join("a"), _s.Join("b"));
        var seq = _s.Run(1, a, b);
        var j = _s.Register("j");
        _s.AllAcceptedVoteTopology(); // the core lets members vote while a collective runs

        _s.Drop(j);

        Assert.DoesNotContain(Kind.CollectiveAbort, a.Kinds);
        Assert.True(_s.State.Collectives.ContainsKey((0, 1)), "the running collective of a and b was aborted");
        _s.Send(a, Msg.Done(1, seq));
        _s.Send(b, Msg.Done(1, seq));
        a.Got(Kind.CollectiveComplete);
    }

    /// <summary>
    /// A WorldChanged sent during a topology round lists the joiners (BuildWorld takes every non-Registered peer), and
    /// when the round then fails the joiners go back to waiting while TopologyFailed carries no world: the survivors
    /// are left believing in a world bigger than the accepted one (Communicator sizes its collectives from it).
    /// </summary>
    [Fact]
    public void AfterAFailedRoundTheSurvivorsKnowTheAcceptedWorld()
    {
        var (a, b) = (_s.Join("a"), _s.Join("b"));
        var j = _s.Register("j");
        _s.AllAcceptedVoteTopology();

        _s.Drop(b);

        a.Got(Kind.TopologyFailed, Kind.WorldChanged);
        Assert.Equal(PeerPhase.Registered, _s.PhaseOf(j));
        Assert.Equal([a.Id], a.KnownWorld!.PeerIds());
    }
}
