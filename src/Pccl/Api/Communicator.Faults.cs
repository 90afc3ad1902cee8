using Pccl.Operations.Faults;

namespace Pccl;

public sealed partial class Communicator
{
    /// <summary>Consulted at the named fault points of this peer's operations (<see cref="IFaultInjector"/>); null in production.</summary>
    internal IFaultInjector? FaultInjector { get; set; }

    /// <summary>The fault site of one all-reduce, or null without an injector.</summary>
    private RingFaultSite? FaultSiteFor(ulong sequence, long bytesToMove) =>
        FaultInjector is { } injector ? new RingFaultSite(injector, sequence, bytesToMove, BreakRingLinksAsync) : null;

    private async ValueTask BreakRingLinksAsync()
    {
        if (_lanes is not { } lanes)
        {
            return;
        }

        foreach (var peer in _world.World.Peers.Where(p => p.PeerId != PeerId))
        {
            await lanes.ForgetPeerAsync(peer.PeerId).ConfigureAwait(false);
        }
    }
}
