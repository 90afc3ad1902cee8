using Pccl.Transport.Heartbeats;

namespace Pccl.Master.Core;

/// <summary>Everything the master knows; only <see cref="MasterCore"/> changes it.</summary>
internal sealed class MasterState
{
    /// <summary>This master's random id, drawn each time it starts serving (<see cref="Pccl.Protocol.Messages.Registered.MasterIncarnation"/>): peer ids start over with it.</summary>
    public ulong Incarnation { get; init; } = (ulong)Random.Shared.NextInt64(1, long.MaxValue);

    /// <summary>Handshaken connections and the address the master observed for each.</summary>
    public Dictionary<long, string> Connections { get; } = [];

    /// <summary>Handshaken connections the shell saw arrive from a loopback address.</summary>
    public HashSet<long> LoopbackConnections { get; } = [];

    /// <summary>Heartbeat credentials drawn for each handshaken connection, handed to the peer when it registers.</summary>
    public Dictionary<long, HeartbeatCredentials> HeartbeatCredentials { get; } = [];

    /// <summary>When each handshaken connection that has not registered yet opened (by the latest tick).</summary>
    public Dictionary<long, TimeSpan> Unregistered { get; } = [];

    /// <summary>Connections closed at once because too many had not registered (in all or from their source).</summary>
    public long RefusedUnregistered { get; set; }

    /// <summary>The latest tick's time; what the core stamps the start of each wait with.</summary>
    public TimeSpan Now { get; set; }

    /// <summary>When the first accepted peer voted for the topology update now gathering; null when nobody has.</summary>
    public TimeSpan? TopologyVoteSince { get; set; }

    /// <summary>When the first accepted peer asked whether peers are pending, in the vote now gathering; null when nobody has.</summary>
    public TimeSpan? PendingVoteSince { get; set; }

    /// <summary>Registered peers by id.</summary>
    public SortedDictionary<ulong, PeerRecord> Peers { get; } = [];

    /// <summary>Peer id by connection.</summary>
    public Dictionary<long, ulong> PeerByConnection { get; } = [];

    public ulong NextPeerId { get; set; } = 1;

    /// <summary>Increases whenever the accepted world changes.</summary>
    public ulong WorldRevision { get; set; }

    public TopologyRound? Topology { get; set; }

    /// <summary>
    /// Participants of a topology round that failed before they reported, by the world revision that round announced:
    /// their report of it is still on its way and is dropped when it comes.
    /// </summary>
    public Dictionary<ulong, ulong> LateConnectReports { get; } = [];

    public Dictionary<(uint Group, uint Tag), CollectiveRound> Collectives { get; } = [];

    public ulong LastSequence { get; set; }

    /// <summary>
    /// Per group and tag, how many more completions go without a start grant: a grant cancelled because a participant
    /// asked for something else pauses grants on its tag (<see cref="MasterCore"/>'s grant rules).
    /// </summary>
    public Dictionary<(uint Group, uint Tag), int> GrantPauses { get; } = [];

    /// <summary>Shared-state synchronisations in progress, by peer group.</summary>
    public Dictionary<uint, StateSync.SharedStateRound> SharedStateSyncs { get; } = [];

    /// <summary>Each group's last synchronised shared-state revision (the +1 rule); forgotten when the group empties.</summary>
    public Dictionary<uint, ulong> SharedStateRevisions { get; } = [];

    /// <summary>
    /// Each group's revision as the master store held it when this leadership term began: the group's floor until its
    /// first sync under this term, so a stale peer that reaches a new leader first can never take the group back.
    /// </summary>
    public Dictionary<uint, ulong> StoredRevisions { get; } = [];

    /// <summary>Each group's latest hierarchical all-reduce plan, as <c>/status</c> shows it; absent for flat groups.</summary>
    public Dictionary<uint, Hierarchy.HierarchySummary> Hierarchies { get; } = [];

    /// <summary>Per group, the rate each region's crossing peers carried at a level in the group's last hierarchical all-reduce that measured it (<see cref="Hierarchy.CrossingPathRates"/>).</summary>
    public Dictionary<uint, Dictionary<(uint Level, string Side), ulong>> CrossingRates { get; } = [];

    /// <summary>The ring order each group's last topology optimisation chose; groups without one are ordered by id.</summary>
    public Dictionary<uint, List<ulong>> RingOrders { get; } = [];

    /// <summary>The ring each group's last collective started on, and the revision that names it in starts.</summary>
    public Dictionary<uint, RingRevision> StartedRings { get; } = [];

    /// <summary>The last ring revision handed out, to any group: revisions are never reused within a leadership term.</summary>
    public ulong LastRingRevision { get; set; }

    /// <summary>Measured throughput between the peers of each group.</summary>
    public Dictionary<uint, Topology.BandwidthMatrix> Bandwidth { get; } = [];

    /// <summary>When the first accepted peer voted for the topology optimisation now gathering; null when nobody has.</summary>
    public TimeSpan? OptimizeVoteSince { get; set; }

    /// <summary>The topology optimisation measuring now, if any.</summary>
    public Topology.OptimizeRound? Optimization { get; set; }

    /// <summary>The last bandwidth measurement step's number.</summary>
    public ulong LastBandwidthStep { get; set; }

    public IEnumerable<PeerRecord> Accepted => Peers.Values.Where(p => p.Phase == PeerPhase.Accepted);

    public IEnumerable<PeerRecord> Waiting => Peers.Values.Where(p => p.Phase == PeerPhase.Registered);

    /// <summary>
    /// Peers' reports of their registrations with lost masters, by (lost master's epoch, peer id there); each is kept
    /// while its reporter stays registered, and a fresh leader learns them again from the peers.
    /// </summary>
    public Dictionary<(ulong Epoch, ulong PeerId), PriorReport> PriorReports { get; } = [];

    /// <summary>Operations of lost masters reported in doubt and not settled yet, by (lost master's epoch, sequence).</summary>
    public Dictionary<(ulong Epoch, ulong Sequence), InDoubtRound> InDoubt { get; } = [];
}
