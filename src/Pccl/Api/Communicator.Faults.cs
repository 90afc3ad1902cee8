using Pccl.Operations.Faults;

namespace Pccl;

public sealed partial class Communicator
{
    /// <summary>Consulted at the named fault points of this peer's operations (<see cref="IFaultInjector"/>); null in production.</summary>
    internal IFaultInjector? FaultInjector { get; set; }

    /// <summary>Closes every ring connection of this peer (its master connection stays up); offered to an injector through <see cref="RingFaultSite"/>.</summary>
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
