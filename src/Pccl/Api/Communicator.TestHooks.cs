namespace Pccl;

public sealed partial class Communicator
{
    /// <summary>Called with the operation's sequence once its ring connections are up and data is about to move; for fault-injection tests.</summary>
    internal Action<ulong>? RingStartedForTest { get; set; }

    /// <summary>Connections this peer's p2p listener closed unheard because too many handshakes were pending; for tests.</summary>
    internal long DroppedP2PHandshakesForTest => _listener?.DroppedHandshakesForTest ?? 0;

    /// <summary>
    /// Closes every ring connection of this peer while its master connection stays up, as a broken p2p link would;
    /// the operations using them fail on both sides of each link. For fault-injection tests.
    /// </summary>
    internal async Task BreakRingLinksForTestAsync()
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
