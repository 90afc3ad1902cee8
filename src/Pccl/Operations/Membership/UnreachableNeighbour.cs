using Pccl.Protocol.Messages;

namespace Pccl.Operations.Membership;

/// <summary>
/// The error a peer reports when it cannot open its lanes to its ring successor. When the master listed the successor
/// at the address it observed (the successor advertised none), the usual cause is NAT or a load balancer between the
/// peers and the master, so the message names the setting that fixes it.
/// </summary>
internal static class UnreachableNeighbour
{
    public static string Describe(ulong self, PeerEntry next, Exception failure)
    {
        var where = $"peer {self} could not reach its ring neighbour {next.PeerId} at {next.Address}:{next.P2PPort}: {failure.Message}";
        return next.AddressAdvertised
            ? where + $" (the address peer {next.PeerId} advertised in network.advertise_address: check that it is reachable from peer {self})"
            : where + $" ({next.Address} is the address the master saw peer {next.PeerId}'s connection come from; behind NAT or a load balancer " +
              $"other peers cannot dial it: set network.advertise_address (PCCL_NETWORK_ADVERTISE_ADDRESS) on every worker to the address other peers reach it at)";
    }
}
