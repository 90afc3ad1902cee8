namespace Pccl.Master.Core;

/// <summary>What the master knows of one registered peer.</summary>
internal sealed class PeerRecord(ulong id, long connectionId, string address, uint p2pPort, uint group, string region, ulong heartbeatToken = 0)
{
    public ulong Id { get; } = id;
    public long ConnectionId { get; } = connectionId;
    public string Address { get; } = address;
    public uint P2PPort { get; } = p2pPort;
    public uint Group { get; } = group;
    public string Region { get; } = region;
    public ulong HeartbeatToken { get; } = heartbeatToken;

    /// <summary>The p2p identity key the peer registered (Register.identity_key), listed in every world.</summary>
    public Google.Protobuf.ByteString IdentityKey { get; init; } = Google.Protobuf.ByteString.Empty;

    /// <summary>Whether the peer reached the master from a loopback address (the shell tells; see <see cref="ConnectionOpened"/>).</summary>
    public bool IsLoopback { get; init; }

    /// <summary>Whether <see cref="Address"/> is the one the peer advertised rather than its connection's source.</summary>
    public bool AddressAdvertised { get; init; }

    /// <summary>Whether the peer keeps the last ring it was sent (Register.keeps_ring), so a start may leave it out.</summary>
    public bool KeepsRing { get; init; }

    /// <summary>Whether the peer takes start grants (Register.takes_grants, <c>performance.start_grants</c>).</summary>
    public bool TakesGrants { get; init; }

    /// <summary>The revision of the ring last sent to this peer in a start; 0 before its first.</summary>
    public ulong RingRevisionSent { get; set; }
    public PeerPhase Phase { get; set; } = PeerPhase.Registered;
    public bool VotedTopology { get; set; }
    public bool VotedPending { get; set; }
    public bool VotedOptimize { get; set; }

    /// <summary>Collective rounds (gathering or running) holding this peer's init: what MaxTagsInFlightPerPeer bounds.</summary>
    public int TagsInFlight { get; set; }

    /// <summary>
    /// The latest tick at which the peer took part in a running collective or shared-state round, or was admitted (a
    /// wait that began before its admission counts its lateness from then).
    /// </summary>
    public TimeSpan BusyUntil { get; set; } = TimeSpan.MinValue;
}

/// <summary>A peer's phase: waiting to be admitted, being admitted by a topology round, or in the ring.</summary>
internal enum PeerPhase
{
    Registered,
    Joining,
    Accepted,
}
