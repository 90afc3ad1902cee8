using Microsoft.Extensions.Logging.Abstractions;
using Pccl.Operations.Membership;
using Pccl.Operations.Session;
using Pccl.Protocol.Messages;
using Pccl.Transport;

namespace Pccl.Tests.Membership;

/// <summary>How a registered peer reads the master's topology replies before it is admitted (no master: the dispatch's calls made directly).</summary>
public sealed class PeerMembershipTests : IAsyncDisposable
{
    private readonly PeerSession _session;
    private readonly PeerMembership _membership;

    public PeerMembershipTests()
    {
        var options = CommunicatorOptions.Default;
        _session = new PeerSession(this, options, SecurityFactory.Create(options.Tls, options.Auth), NullLogger.Instance);
        _membership = new PeerMembership(_session);
    }

    [Fact]
    public async Task AFailedAdmissionRoundLeavesThePeerWaitingAndTheFirstCompletedRoundAdmitsIt()
    {
        var ct = TestContext.Current.CancellationToken;
        var admission = _membership.WaitForAdmissionAsync(ct);

        _membership.OnTopologyFailed(new TopologyFailed { Reason = "a neighbour was unreachable", World = WorldOf(1, 2) });
        await Task.Delay(50, ct);
        Assert.False(admission.IsCompleted);
        Assert.Equal(0, _session.World.GlobalSize); // a failed round's survivors are no world for a peer not yet in it

        _membership.OnTopologyComplete(WorldOf(1, 2, 3));
        await admission.WaitAsync(TimeSpan.FromSeconds(5), ct);
        Assert.Equal(3, _session.World.GlobalSize);

        _membership.OnTopologyComplete(WorldOf(1, 2, 3, 4)); // a later round answers a vote (none pending here), not the admission
        Assert.Equal(4, _session.World.GlobalSize);
    }

    [Fact]
    public async Task AFatalReasonFailsTheAdmissionWait()
    {
        var ct = TestContext.Current.CancellationToken;
        var admission = _membership.WaitForAdmissionAsync(ct);
        var reason = new PcclException(PcclErrorCode.MasterLost, "master lost", isTransient: true);

        _membership.Fail(reason);

        Assert.Same(reason, await Assert.ThrowsAsync<PcclException>(() => admission.WaitAsync(TimeSpan.FromSeconds(5), ct)));
    }

    public async ValueTask DisposeAsync()
    {
        await _session.DisposeAsync();
        _membership.Dispose();
    }

    private static World WorldOf(params ulong[] peers)
    {
        var world = new World { Revision = (ulong)peers.Length };
        world.Peers.AddRange(peers.Select(id => new PeerEntry { PeerId = id, Address = "127.0.0.1", P2PPort = 7118 }));
        return world;
    }
}
