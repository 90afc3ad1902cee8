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
/// <param name="Leadership">Whether this master leads, in which epoch, and until when its lease runs.</param>
internal sealed record MasterStatus(
    [property: JsonIgnore] LeadershipStatus Leadership,
    int Port,
    ulong WorldRevision,
    int WorldSize,
    IReadOnlyList<PeerStatus> Peers,
    IReadOnlyList<GroupStatus> Groups,
    IReadOnlyList<OperationInFlight> OperationsInFlight,
    IReadOnlyList<OperationEvent> RecentOperations)
{
    /// <summary><c>leader</c> or <c>standby</c>: a master's document, told apart from a worker's by these values.</summary>
    public string Role => Leadership.IsLeader ? "leader" : "standby";

    /// <summary>The epoch this master serves, or the last one it saw while standing by.</summary>
    public ulong Epoch => Leadership.Epoch;

    /// <summary>The leader's advertised control address (this master's own while it leads); empty when unknown.</summary>
    public string Leader => Leadership.LeaderAddress;

    /// <summary>When the current lease ends on the store's clock, as of the last renewal; null before any attempt.</summary>
    public DateTimeOffset? LeaseExpires => Leadership.LeaseExpires;

    /// <summary>Each group's latest hierarchical all-reduce plan (regions, levels, who exchanges with whom); empty for flat groups.</summary>
    public IReadOnlyDictionary<uint, Core.Hierarchy.HierarchySummary> Hierarchies { get; init; } = new Dictionary<uint, Core.Hierarchy.HierarchySummary>();

    /// <summary>Builds the document from the master's state; call on the event loop.</summary>
    public static MasterStatus From(MasterState state, int port, RecentOperations recent, LeadershipStatus leadership)
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
        return new MasterStatus(leadership, port, state.WorldRevision, state.Accepted.Count(), peers, groups, inFlight, recent.Snapshot())
        {
            Hierarchies = state.Hierarchies.ToDictionary(),
        };
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

/// <summary>A master's place in the leader election, for <c>/status</c> and <c>/readyz</c>.</summary>
/// <param name="IsLeader">Whether it serves now.</param>
/// <param name="Epoch">The epoch it serves, or the last it saw.</param>
/// <param name="LeaderAddress">Who leads, as the store names it.</param>
/// <param name="LeaseExpires">The lease's end on the store's clock, as of the last attempt.</param>
internal sealed record LeadershipStatus(bool IsLeader, ulong Epoch, string LeaderAddress, DateTimeOffset? LeaseExpires);
