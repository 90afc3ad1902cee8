using System.Text.Json.Serialization;
using Pccl.Master.Core;

namespace Pccl.Master.Server;

/// <summary>
/// What the master's <c>/status</c> shows: membership, ring order per group, the world revision, operations in flight
/// and the last collective events. Taken on the event loop, so it is one consistent moment.
/// </summary>
/// <param name="Port">The control port.</param>
/// <param name="WorldRevision">Increases whenever the accepted world changes.</param>
/// <param name="WorldSize">Accepted peers.</param>
/// <param name="Peers">Every registered peer, by id.</param>
/// <param name="Groups">Each group's accepted ring and waiting peers.</param>
/// <param name="OperationsInFlight">Collectives gathering parameters or running.</param>
/// <param name="RecentOperations">The last collective starts, completions and aborts, oldest first.</param>
internal sealed record MasterStatus(
    int Port,
    ulong WorldRevision,
    int WorldSize,
    IReadOnlyList<PeerStatus> Peers,
    IReadOnlyList<GroupStatus> Groups,
    IReadOnlyList<OperationInFlight> OperationsInFlight,
    IReadOnlyList<OperationEvent> RecentOperations)
{
    /// <summary>Always <c>master</c>, so that one dashboard can tell documents apart.</summary>
    public string Role => "master";

    /// <summary>Builds the document from the master's state; call on the event loop.</summary>
    public static MasterStatus From(MasterState state, int port, RecentOperations recent)
    {
        var peers = state.Peers.Values
            .Select(p => new PeerStatus(p.Id, p.Address, p.AddressAdvertised, p.P2PPort, p.Group, p.Region, p.Phase.ToString().ToLowerInvariant()))
            .ToList();
        var groups = state.Peers.Values.GroupBy(p => p.Group).OrderBy(g => g.Key)
            .Select(g => new GroupStatus(
                g.Key,
                RingPlanner.Order(g.Where(p => p.Phase == PeerPhase.Accepted), state.RingOrders.GetValueOrDefault(g.Key)),
                [.. g.Where(p => p.Phase != PeerPhase.Accepted).Select(p => p.Id)],
                BandwidthStatus.Of(state.Bandwidth.GetValueOrDefault(g.Key))))
            .ToList();
        var inFlight = state.Collectives.Values.OrderBy(r => r.Group).ThenBy(r => r.Tag)
            .Select(r => new OperationInFlight(r.Group, r.Tag, r.Sequence, r.Running ? "running" : "gathering",
                [.. (r.Running ? r.Participants.AsEnumerable() : r.Inits.Keys).Order()]))
            .ToList();
        return new MasterStatus(port, state.WorldRevision, state.Accepted.Count(), peers, groups, inFlight, recent.Snapshot());
    }
}

/// <summary>One registered peer.</summary>
/// <param name="Id">Peer id.</param>
/// <param name="Address">Address other peers dial: the advertised one, else the one the master observed.</param>
/// <param name="AddressAdvertised">Whether the peer advertised <paramref name="Address"/> (network.advertise_address).</param>
/// <param name="P2PPort">Port the peer listens on for ring connections.</param>
/// <param name="Group">Peer group.</param>
/// <param name="Region">Region the peer reported.</param>
/// <param name="Phase"><c>registered</c>, <c>joining</c> or <c>accepted</c>.</param>
internal sealed record PeerStatus(
    ulong Id, string Address, bool AddressAdvertised, [property: JsonPropertyName("p2p_port")] uint P2PPort, uint Group, string Region, string Phase);

/// <summary>One peer group.</summary>
/// <param name="Group">The group number.</param>
/// <param name="Ring">Accepted peers in ring order.</param>
/// <param name="Waiting">Peers registered or being admitted, not yet in the ring.</param>
/// <param name="Bandwidth">The group's measured throughput matrix, one entry per measured direction.</param>
internal sealed record GroupStatus(uint Group, IReadOnlyList<ulong> Ring, IReadOnlyList<ulong> Waiting, IReadOnlyList<BandwidthStatus> Bandwidth);

/// <summary>A collective the master is coordinating now.</summary>
/// <param name="Group">The peer group.</param>
/// <param name="Tag">The operation's tag.</param>
/// <param name="Sequence">The master's sequence number once started.</param>
/// <param name="State"><c>gathering</c> (waiting for every member) or <c>running</c>.</param>
/// <param name="Peers">Peers that sent their parameters, or the participants once running.</param>
internal sealed record OperationInFlight(uint Group, uint Tag, ulong? Sequence, string State, IReadOnlyList<ulong> Peers);
