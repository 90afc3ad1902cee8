using Pccl.Master.Core;
using Pccl.Protocol.Messages;
using Pccl.Tests.Master.Support;

namespace Pccl.Tests.Master.Hierarchy;

/// <summary>The master core plans the hierarchy with the operation's start from the peers' region labels.</summary>
public class HierarchyMasterTests
{
    [Fact]
    public void TheStartCarriesOneHierarchyForEveryPeer_AndTheShellHearsOfItWhenItChanges()
    {
        var s = new MasterScenario();
        SimPeer[] peers = [s.Join("a1", region: "a"), s.Join("b1", region: "b"), s.Join("a2", region: "a"), s.Join("b2", region: "b")];

        s.Run(1, peers);
        var first = Assert.Single(s.Commands.OfType<ReportHierarchy>());
        Assert.Contains("regions 'a' [", first.Description, StringComparison.Ordinal);
        var hierarchy = peers[0].Starts[1].Hierarchy;
        Assert.Equal(6, hierarchy.Count); // two reduce-scatters, two crossing all-reduces, two all-gathers
        Assert.All(peers, p => Assert.Equal(hierarchy, p.Starts[1].Hierarchy));

        s.Run(2, peers);
        Assert.Empty(s.Commands.OfType<ReportHierarchy>()); // the same regions and exchanges: logged once
        Assert.Single(s.State.Hierarchies);
    }

    [Fact]
    public void OneLabelOrTheRingAskedForMakesNoHierarchy()
    {
        var s = new MasterScenario();
        SimPeer[] same = [s.Join("a1", region: "a"), s.Join("a2", region: "a")];
        s.Run(1, same);
        Assert.Empty(same[0].Starts[1].Hierarchy);

        var mixed = new MasterScenario();
        SimPeer[] peers = [mixed.Join("a", region: "a"), mixed.Join("b", region: "b")];
        foreach (var p in peers)
        {
            var init = Msg.Init(1);
            init.CollectiveInit.Parameters.Algorithm = CollectiveAlgorithm.Ring;
            mixed.Send(p, init);
        }

        Assert.Empty(peers[0].Starts[1].Hierarchy);
    }

    [Fact]
    public void ARegionLabelWithAnEmptyLevel_IsRefusedAtRegistration_NamingTheKey()
    {
        var s = new MasterScenario();

        var peer = s.Register("bad", region: "eu//fra");

        var message = peer.WasKicked(KickReason.ProtocolViolation);
        Assert.Contains("'eu//fra' has an empty level: write network.region as levels separated by single '/'", message, StringComparison.Ordinal);
        Assert.Empty(s.State.Peers);
    }
}
