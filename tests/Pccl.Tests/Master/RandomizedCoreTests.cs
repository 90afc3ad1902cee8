using Pccl.Master.Core;
using Pccl.Protocol.Messages;
using Pccl.Tests.Master.Support;
using Kind = Pccl.Protocol.Messages.ControlMessage.BodyOneofCase;

namespace Pccl.Tests.Master;

/// <summary>Random walks of legal, illegal and stale events; the invariants must hold after every one.</summary>
public class RandomizedCoreTests
{
    [Theory]
    [InlineData(3)]
    [InlineData(4)]
    [InlineData(5)]
    [InlineData(6)]
    public void InvariantsHoldAfterEveryEvent(int maxPeers)
    {
        for (var seed = 0; seed < 150; seed++)
        {
            var scenario = new MasterScenario();
            var peers = new RandomPeers(scenario, seed * 31 + maxPeers, maxPeers);
            var invariants = new CoreInvariants();
            try
            {
                for (var step = 0; step < 250; step++)
                {
                    peers.Step();
                    invariants.Check(scenario.State);
                }
            }
            catch (Exception e)
            {
                throw new Xunit.Sdk.XunitException(
                    $"seed {seed * 31 + maxPeers} ({maxPeers} peers) failed after:\n  {string.Join("\n  ", peers.Trace.TakeLast(40))}\n{e.Message}");
            }
        }
    }

    [Theory]
    [InlineData(3)]
    [InlineData(6)]
    public void InvariantsHoldWhileDeadlinesFire(int maxPeers)
    {
        // Deadlines of a few ticks, so that they fire often and in the middle of every kind of round.
        var tick = TimeSpan.FromMilliseconds(100);
        var limits = new MasterLimits { RegistrationTimeout = tick * 3, VoteTimeout = tick * 4, TopologyTimeout = tick * 5, SharedStateTimeout = tick * 6 };
        var deadlineKicks = 0;
        for (var seed = 0; seed < 100; seed++)
        {
            var scenario = new MasterScenario(limits);
            var peers = new RandomPeers(scenario, seed * 37 + maxPeers, maxPeers, tick);
            var invariants = new CoreInvariants(limits);
            try
            {
                for (var step = 0; step < 250; step++)
                {
                    peers.Step();
                    invariants.Check(scenario.State);
                    deadlineKicks += scenario.Connections.Count(p => p.Batch.Any(m => m.Kick?.Reason == KickReason.DeadlineMissed));
                }
            }
            catch (Exception e)
            {
                throw new Xunit.Sdk.XunitException(
                    $"seed {seed * 37 + maxPeers} ({maxPeers} peers) failed after:\n  {string.Join("\n  ", peers.Trace.TakeLast(40))}\n{e.Message}");
            }
        }

        Assert.True(deadlineKicks > 100, $"only {deadlineKicks} deadline kicks in the walks: they test little");
    }

    [Fact]
    public void TheWalkReachesEveryKindOfProgress()
    {
        var scenario = new MasterScenario();
        var peers = new RandomPeers(scenario, 12345, 5);
        var seen = new HashSet<Kind>();
        for (var step = 0; step < 2000; step++)
        {
            peers.Step();
            seen.UnionWith(scenario.Connections.SelectMany(p => p.Kinds));
        }

        // Guards the walk itself: a walk that never gets this far checks little.
        Kind[] progress =
        [
            Kind.TopologyComplete, Kind.TopologyFailed, Kind.PendingPeersResult, Kind.CollectiveStart,
            Kind.CollectiveComplete, Kind.CollectiveAbort, Kind.WorldChanged, Kind.Kick,
        ];
        Assert.Superset(progress.ToHashSet(), seen);
    }
}
