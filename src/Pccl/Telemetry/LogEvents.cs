using Microsoft.Extensions.Logging;

namespace Pccl.Telemetry;

/// <summary>
/// Every log line the library writes, as source-generated methods with stable event ids
/// (documented in docs/observability.md; never renumber one, add new ids instead).
/// Ids: 1000-1099 membership, 1100-1199 collectives and recovery, 1200-1299 shared state,
/// 1300-1399 master lifecycle, 1400-1499 connections turned away.
/// </summary>
internal static partial class LogEvents
{
    /// <summary>Event ids, for filters and tests.</summary>
    public static class Ids
    {
        /// <summary>A peer was admitted to the world.</summary>
        public const int PeerJoined = 1001;

        /// <summary>A peer left the world.</summary>
        public const int PeerLeft = 1002;

        /// <summary>The master removed a peer.</summary>
        public const int PeerKicked = 1003;

        /// <summary>A connection registered with the master and waits for a topology vote.</summary>
        public const int PeerRegistered = 1004;

        /// <summary>This peer was accepted into the run.</summary>
        public const int Accepted = 1005;

        /// <summary>An admission round of this peer failed; it waits for the next vote.</summary>
        public const int AdmissionFailed = 1006;

        /// <summary>This peer could not open its lanes to its ring successor.</summary>
        public const int RingConnectFailed = 1007;

        /// <summary>The control connection to the master broke.</summary>
        public const int MasterLost = 1008;

        /// <summary>The master stopped answering heartbeats.</summary>
        public const int MasterSilent = 1009;

        /// <summary>The ring order changed.</summary>
        public const int TopologyUpdated = 1010;

        /// <summary>A collective was aborted.</summary>
        public const int CollectiveAborted = 1101;

        /// <summary>A collective is retried after a lost peer.</summary>
        public const int Recovery = 1102;

        /// <summary>Recoveries happen often enough to suggest a misconfiguration.</summary>
        public const int FrequentRecoveries = 1103;

        /// <summary>The master did not answer a withdrawal in time.</summary>
        public const int WithdrawalUnconfirmed = 1104;

        /// <summary>Shared state was synchronised.</summary>
        public const int SharedStateSynced = 1201;

        /// <summary>Donors were lost during a shared-state transfer; their ranges moved to the others.</summary>
        public const int DonorsLost = 1202;

        /// <summary>A state connection was refused (not in the plan, or no round to serve).</summary>
        public const int StateConnectionRefused = 1203;

        /// <summary>Serving shared state to a peer stopped early.</summary>
        public const int StateServingStopped = 1204;

        /// <summary>The master is listening.</summary>
        public const int MasterStarted = 1301;

        /// <summary>The master stopped.</summary>
        public const int MasterStopped = 1302;

        /// <summary>The master ran a preflight session for a host.</summary>
        public const int PreflightServed = 1303;

        /// <summary>A connection was refused during its handshake.</summary>
        public const int ConnectionRefused = 1401;

        /// <summary>The master closed a connection that never registered.</summary>
        public const int UnregisteredConnectionClosed = 1402;

        /// <summary>Refusals beyond the log's rate limit were counted, not logged one by one.</summary>
        public const int RefusalsSuppressed = 1403;

        /// <summary>This master won the leader lease and serves a new epoch.</summary>
        public const int LeadershipWon = 1420;

        /// <summary>This master stopped serving its epoch and stands by.</summary>
        public const int LeadershipLost = 1421;

        /// <summary>The master store did not answer a lease attempt.</summary>
        public const int LeaseAttemptFailed = 1422;

        /// <summary>This master started, or went back to, standing by.</summary>
        public const int StandingBy = 1423;

        /// <summary>A completed sync's revision could not be written to the master store.</summary>
        public const int RevisionNotRecorded = 1424;

        /// <summary>A standby master turned this peer away; it tries the leader the standby named, or the next master.</summary>
        public const int StandbyRedirect = 1450;

        /// <summary>A master answered with an epoch older than one this peer already served under; it was not used.</summary>
        public const int StaleMasterRefused = 1451;

        /// <summary>A master message of an older epoch was dropped.</summary>
        public const int StaleEpochMessageDropped = 1452;

        /// <summary>The master was lost; this peer looks for the leader to register with again.</summary>
        public const int FollowingLeader = 1453;

        /// <summary>This peer registered with a new master (old and new epoch).</summary>
        public const int MasterChanged = 1454;

        /// <summary>No master took this peer back within the reconnect window; its calls fail from now on.</summary>
        public const int FollowFailed = 1455;

        /// <summary>The master planned a group's hierarchical all-reduce differently from the last time.</summary>
        public const int HierarchyPlanned = 1550;

        /// <summary>This peer measured its throughput to another peer for a topology optimisation.</summary>
        public const int BandwidthMeasured = 1520;

        /// <summary>A bandwidth measurement to another peer failed; the master marks the pair unusable.</summary>
        public const int BandwidthTestFailed = 1521;

        /// <summary>A topology optimisation vote ended.</summary>
        public const int TopologyOptimized = 1522;

        /// <summary>A ring lane to a neighbour was opened as several striped connections.</summary>
        public const int LaneStriped = 1500;

        /// <summary>The kernel granted the master's heartbeat socket less receive buffer than 1,000 peers need.</summary>
        public const int HeartbeatBufferSmall = 1620;

        /// <summary>An all-reduce's pieces are small for the link: per-piece overhead dominates.</summary>
        public const int SmallPieces = 1621;

        /// <summary>A flat ring of many unlabelled peers spends long on each hop: regions would help.</summary>
        public const int FlatRingSlow = 1622;

        /// <summary>A peer holds an all-reduce in doubt: it moved its data, then lost the master before the verdict.</summary>
        public const int InDoubtHeld = 1700;

        /// <summary>A peer heard the new leader's verdict on an all-reduce it held in doubt.</summary>
        public const int InDoubtResolved = 1701;

        /// <summary>The leader settled an all-reduce of a lost master that peers held in doubt.</summary>
        public const int InDoubtSettled = 1702;

        /// <summary>One ring of a hierarchical all-reduce finished: when it started and how long it ran.</summary>
        public const int HierarchyStageTimed = 1780;

        /// <summary>A crossing ring of a hierarchical all-reduce paces its streams to their share of the path's measured rate.</summary>
        public const int HierarchyCrossingPaced = 1781;

        /// <summary>A measured rate changes how many connections the lanes to a peer are striped over: they reopen.</summary>
        public const int LanesRestriped = 1800;

        /// <summary>A ring operation measured the rate of the path to its successor, and the rate kept for the peer changed.</summary>
        public const int HopRateMeasured = 1801;

        /// <summary>A flat ring's hop to another host paces its streams to their share of the rate measured to the successor.</summary>
        public const int RingHopPaced = 1802;

        /// <summary>The path to a neighbour got slower: all-reduces in a row carried far less than its measured rate, which now follows them.</summary>
        public const int HopRateLowered = 1803;

        /// <summary>The run of the all-reduce failure path's steps after the first success failed: a first failure runs cold.</summary>
        public const int FailurePathRehearsalFailed = 1740;

        /// <summary>An all-reduce ran on the master's start grant, without waiting for a start.</summary>
        public const int StartGrantTaken = 1820;

        /// <summary>A start grant this peer held was dropped (the master cancelled it, or the operation was aborted).</summary>
        public const int StartGrantDropped = 1821;
    }

    /// <summary>A peer was admitted to the world.</summary>
    [LoggerMessage(EventId = Ids.PeerJoined, EventName = nameof(PeerJoined), Level = LogLevel.Information,
        Message = "Peer {PeerId} joined from {Endpoint}; world size is now {WorldSize}")]
    public static partial void PeerJoined(this ILogger logger, ulong peerId, string endpoint, int worldSize);

    /// <summary>A peer left the world.</summary>
    [LoggerMessage(EventId = Ids.PeerLeft, EventName = nameof(PeerLeft), Level = LogLevel.Information,
        Message = "Peer {PeerId} left: {Reason}; world size is now {WorldSize}")]
    public static partial void PeerLeft(this ILogger logger, ulong peerId, string reason, int worldSize);

    /// <summary>The master removed a peer.</summary>
    [LoggerMessage(EventId = Ids.PeerKicked, EventName = nameof(PeerKicked), Level = LogLevel.Warning,
        Message = "Peer {PeerId} was kicked: {Reason}")]
    public static partial void PeerKicked(this ILogger logger, ulong peerId, string reason);

    /// <summary>A connection registered with the master and waits for a topology vote.</summary>
    [LoggerMessage(EventId = Ids.PeerRegistered, EventName = nameof(PeerRegistered), Level = LogLevel.Information,
        Message = "peer {PeerId} registered from {Detail}; waiting for a topology vote")]
    public static partial void PeerRegistered(this ILogger logger, ulong peerId, string detail);

    /// <summary>This peer was accepted into the run.</summary>
    [LoggerMessage(EventId = Ids.Accepted, EventName = nameof(Accepted), Level = LogLevel.Information,
        Message = "peer {PeerId} accepted; world size {World}, group {Group} size {GroupSize}")]
    public static partial void Accepted(this ILogger logger, ulong peerId, int world, uint group, int groupSize);

    /// <summary>An admission round of this peer failed; it waits for the next vote.</summary>
    [LoggerMessage(EventId = Ids.AdmissionFailed, EventName = nameof(AdmissionFailed), Level = LogLevel.Information,
        Message = "admission attempt failed ({Reason}); waiting for the next vote")]
    public static partial void AdmissionFailed(this ILogger logger, string reason);

    /// <summary>This peer could not open its lanes to its ring successor.</summary>
    [LoggerMessage(EventId = Ids.RingConnectFailed, EventName = nameof(RingConnectFailed), Level = LogLevel.Warning,
        Message = "{Error}")]
    public static partial void RingConnectFailed(this ILogger logger, string error);

    /// <summary>The control connection to the master broke.</summary>
    [LoggerMessage(EventId = Ids.MasterLost, EventName = nameof(MasterLost), Level = LogLevel.Warning,
        Message = "lost the master: {Reason}")]
    public static partial void MasterLost(this ILogger logger, string reason);

    /// <summary>The master stopped answering heartbeats; the reason names the limit and what to check.</summary>
    [LoggerMessage(EventId = Ids.MasterSilent, EventName = nameof(MasterSilent), Level = LogLevel.Warning,
        Message = "{Reason}")]
    public static partial void MasterSilent(this ILogger logger, string reason);

    /// <summary>The ring order changed.</summary>
    [LoggerMessage(EventId = Ids.TopologyUpdated, EventName = nameof(TopologyUpdated), Level = LogLevel.Information,
        Message = "Topology updated to revision {Revision}: {WorldSize} peers in the ring")]
    public static partial void TopologyUpdated(this ILogger logger, long revision, int worldSize);

    /// <summary>A collective was aborted.</summary>
    [LoggerMessage(EventId = Ids.CollectiveAborted, EventName = nameof(CollectiveAborted), Level = LogLevel.Warning,
        Message = "Collective {Tag} aborted: {Reason}")]
    public static partial void CollectiveAborted(this ILogger logger, ulong tag, string reason);

    /// <summary>A collective is retried after a lost peer.</summary>
    [LoggerMessage(EventId = Ids.Recovery, EventName = nameof(Recovery), Level = LogLevel.Warning,
        Message = "Recovering collective {Tag}: attempt {Attempt} of {MaxAttempts} with {WorldSize} peers")]
    public static partial void Recovery(this ILogger logger, ulong tag, int attempt, int maxAttempts, int worldSize);

    /// <summary>Recoveries happen often; names the configuration fix.</summary>
    [LoggerMessage(EventId = Ids.FrequentRecoveries, EventName = nameof(FrequentRecoveries), Level = LogLevel.Warning,
        Message = "{Count} recoveries in the last {WindowSeconds} s: the network is unstable or heartbeats time out too early; " +
                  "raise network.heartbeat_timeout_ms (now {HeartbeatTimeoutMs} ms) or fix the network")]
    public static partial void FrequentRecoveries(this ILogger logger, int count, double windowSeconds, int heartbeatTimeoutMs);

    /// <summary>The master did not answer a withdrawal in time.</summary>
    [LoggerMessage(EventId = Ids.WithdrawalUnconfirmed, EventName = nameof(WithdrawalUnconfirmed), Level = LogLevel.Warning,
        Message = "the master did not confirm the withdrawal of tag {Tag} within {Timeout} ms; the tag is free again on this peer anyway")]
    public static partial void WithdrawalUnconfirmed(this ILogger logger, uint tag, double timeout);

    /// <summary>Shared state was synchronised.</summary>
    [LoggerMessage(EventId = Ids.SharedStateSynced, EventName = nameof(SharedStateSynced), Level = LogLevel.Debug,
        Message = "Shared state synced at revision {Revision}: {Bytes} bytes transferred")]
    public static partial void SharedStateSynced(this ILogger logger, long revision, long bytes);

    /// <summary>Donors were lost during a shared-state transfer; their ranges moved to the others.</summary>
    [LoggerMessage(EventId = Ids.DonorsLost, EventName = nameof(DonorsLost), Level = LogLevel.Warning,
        Message = "shared-state synchronisation {Sequence}: lost donor(s) {Donors}; their ranges moved to the others")]
    public static partial void DonorsLost(this ILogger logger, ulong sequence, string donors);

    /// <summary>A state connection was refused.</summary>
    [LoggerMessage(EventId = Ids.StateConnectionRefused, EventName = nameof(StateConnectionRefused), Level = LogLevel.Warning,
        Message = "{Reason} (connection from {Remote})")]
    public static partial void StateConnectionRefused(this ILogger logger, string reason, System.Net.EndPoint? remote);

    /// <summary>Serving shared state to a peer stopped early.</summary>
    [LoggerMessage(EventId = Ids.StateServingStopped, EventName = nameof(StateServingStopped), Level = LogLevel.Debug,
        Message = "stopped serving shared state to peer {Peer}: {Reason}")]
    public static partial void StateServingStopped(this ILogger logger, ulong peer, string reason);

    /// <summary>The master is listening.</summary>
    [LoggerMessage(EventId = Ids.MasterStarted, EventName = nameof(MasterStarted), Level = LogLevel.Information,
        Message = "Master started on {BindAddress}:{Port} (TCP control, UDP heartbeats; cluster {ClusterId})")]
    public static partial void MasterStarted(this ILogger logger, string bindAddress, int port, string clusterId);

    /// <summary>The master stopped.</summary>
    [LoggerMessage(EventId = Ids.MasterStopped, EventName = nameof(MasterStopped), Level = LogLevel.Information,
        Message = "Master stopped")]
    public static partial void MasterStopped(this ILogger logger);

    /// <summary>The master runs a <c>pccl preflight</c> session for a host (never a member).</summary>
    [LoggerMessage(EventId = Ids.PreflightServed, EventName = nameof(PreflightServed), Level = LogLevel.Information,
        Message = "preflight from {Address}")]
    public static partial void PreflightServed(this ILogger logger, System.Net.EndPoint? address);

    /// <summary>A connection was refused during its handshake; the reason is escaped by the caller.</summary>
    [LoggerMessage(EventId = Ids.ConnectionRefused, EventName = nameof(ConnectionRefused), Level = LogLevel.Warning,
        Message = "refused a connection from {Remote}: {Reason}")]
    public static partial void ConnectionRefused(this ILogger logger, System.Net.EndPoint? remote, string reason);

    /// <summary>The master closed a connection that never registered; the detail is escaped by the caller.</summary>
    [LoggerMessage(EventId = Ids.UnregisteredConnectionClosed, EventName = nameof(UnregisteredConnectionClosed), Level = LogLevel.Warning,
        Message = "closed a connection from {Address} that had not registered: {Detail}")]
    public static partial void UnregisteredConnectionClosed(this ILogger logger, string address, string detail);

    /// <summary>Refusals beyond the log's rate limit were counted, not logged one by one.</summary>
    [LoggerMessage(EventId = Ids.RefusalsSuppressed, EventName = nameof(RefusalsSuppressed), Level = LogLevel.Warning,
        Message = "turned away {Count} more connections in the last {Seconds:0} s without logging each (at most {Burst} lines per window)")]
    public static partial void RefusalsSuppressed(this ILogger logger, int count, double seconds, int burst);

    /// <summary>This master won the leader lease and serves a new epoch.</summary>
    [LoggerMessage(EventId = Ids.LeadershipWon, EventName = nameof(LeadershipWon), Level = LogLevel.Information,
        Message = "This master leads the cluster as {Address} in epoch {Epoch} (master.store {Store})")]
    public static partial void LeadershipWon(this ILogger logger, string address, ulong epoch, string store);

    /// <summary>This master stopped serving its epoch and stands by.</summary>
    [LoggerMessage(EventId = Ids.LeadershipLost, EventName = nameof(LeadershipLost), Level = LogLevel.Warning,
        Message = "This master stopped serving epoch {Epoch} and is a standby now: {Reason}")]
    public static partial void LeadershipLost(this ILogger logger, ulong epoch, string reason);

    /// <summary>The master store did not answer a lease attempt.</summary>
    [LoggerMessage(EventId = Ids.LeaseAttemptFailed, EventName = nameof(LeaseAttemptFailed), Level = LogLevel.Warning,
        Message = "Could not reach master.store {Store} to take or renew the leader lease: {Reason}")]
    public static partial void LeaseAttemptFailed(this ILogger logger, string store, string reason);

    /// <summary>This master started, or went back to, standing by.</summary>
    [LoggerMessage(EventId = Ids.StandingBy, EventName = nameof(StandingBy), Level = LogLevel.Information,
        Message = "This master is a standby; the leader is {Leader}")]
    public static partial void StandingBy(this ILogger logger, string leader);

    /// <summary>A completed sync's revision could not be written to the master store.</summary>
    [LoggerMessage(EventId = Ids.RevisionNotRecorded, EventName = nameof(RevisionNotRecorded), Level = LogLevel.Warning,
        Message = "Could not record revision {Revision} of peer group {Group} in master.store {Store}: {Reason}")]
    public static partial void RevisionNotRecorded(this ILogger logger, uint group, ulong revision, string store, string reason);

    /// <summary>A standby master turned this peer away; the reason is the standby's refusal.</summary>
    [LoggerMessage(EventId = Ids.StandbyRedirect, EventName = nameof(StandbyRedirect), Level = LogLevel.Information,
        Message = "{Reason}; trying {Next} next")]
    public static partial void StandbyRedirect(this ILogger logger, string reason, MasterEndpoint next);

    /// <summary>A master answered with an epoch older than the newest this peer served under.</summary>
    [LoggerMessage(EventId = Ids.StaleMasterRefused, EventName = nameof(StaleMasterRefused), Level = LogLevel.Warning,
        Message = "master {Master} serves epoch {Epoch}, older than epoch {Newest} this peer already served under: a deposed leader, not used")]
    public static partial void StaleMasterRefused(this ILogger logger, MasterEndpoint master, ulong epoch, ulong newest);

    /// <summary>A master message of an older epoch was dropped, never acted upon.</summary>
    [LoggerMessage(EventId = Ids.StaleEpochMessageDropped, EventName = nameof(StaleEpochMessageDropped), Level = LogLevel.Warning,
        Message = "dropped a {Message} message of master epoch {Epoch}, older than epoch {Newest}")]
    public static partial void StaleEpochMessageDropped(this ILogger logger, Pccl.Protocol.Messages.ControlMessage.BodyOneofCase message, ulong epoch, ulong newest);

    /// <summary>The master was lost; this peer looks for the leader among its masters.</summary>
    [LoggerMessage(EventId = Ids.FollowingLeader, EventName = nameof(FollowingLeader), Level = LogLevel.Warning,
        Message = "master lost ({Reason}); registering again with the leader among {Masters} for up to {Seconds:0.#} s (fault_tolerance.master_reconnect_timeout_ms)")]
    public static partial void FollowingLeader(this ILogger logger, string reason, string masters, double seconds);

    /// <summary>This peer registered with a new master.</summary>
    [LoggerMessage(EventId = Ids.MasterChanged, EventName = nameof(MasterChanged), Level = LogLevel.Warning,
        Message = "now following master {NewMaster} at epoch {NewEpoch} (was {OldMaster} at epoch {OldEpoch}) as peer {PeerId}, group of {GroupSize}")]
    public static partial void MasterChanged(this ILogger logger, string newMaster, ulong newEpoch, string oldMaster, ulong oldEpoch, ulong peerId, int groupSize);

    /// <summary>No master took this peer back within the reconnect window.</summary>
    [LoggerMessage(EventId = Ids.FollowFailed, EventName = nameof(FollowFailed), Level = LogLevel.Error,
        Message = "{Reason}")]
    public static partial void FollowFailed(this ILogger logger, string reason);

    /// <summary>The hierarchy the master built for a group's all-reduces (regions, levels, who exchanges with whom).</summary>
    [LoggerMessage(EventId = Ids.HierarchyPlanned, EventName = nameof(HierarchyPlanned), Level = LogLevel.Information,
        Message = "group {Group}: hierarchical all-reduce from operation {Sequence}: {Hierarchy}")]
    public static partial void HierarchyPlanned(this ILogger logger, uint group, ulong sequence, string hierarchy);

    /// <summary>This peer measured its throughput to another peer for a topology optimisation.</summary>
    [LoggerMessage(EventId = Ids.BandwidthMeasured, EventName = nameof(BandwidthMeasured), Level = LogLevel.Debug,
        Message = "measured {Mbit:0.0} Mbit/s to peer {Target}")]
    public static partial void BandwidthMeasured(this ILogger logger, ulong target, double mbit);

    /// <summary>A bandwidth measurement failed; the error names the pair and the cause.</summary>
    [LoggerMessage(EventId = Ids.BandwidthTestFailed, EventName = nameof(BandwidthTestFailed), Level = LogLevel.Warning,
        Message = "{Error}; the master marks the pair unusable")]
    public static partial void BandwidthTestFailed(this ILogger logger, string error);

    /// <summary>A topology optimisation vote ended with the ring named.</summary>
    [LoggerMessage(EventId = Ids.TopologyOptimized, EventName = nameof(TopologyOptimized), Level = LogLevel.Information,
        Message = "topology optimised: ring {Ring}")]
    public static partial void TopologyOptimized(this ILogger logger, IEnumerable<ulong> ring);

    /// <summary>A ring lane to a neighbour was opened as several striped connections.</summary>
    [LoggerMessage(EventId = Ids.LaneStriped, EventName = nameof(LaneStriped), Level = LogLevel.Information,
        Message = "lane {Lane} to peer {PeerId} striped over {Connections} connections (path round trip {RoundTripMs} ms, window {WindowBytes} bytes per connection)")]
    public static partial void LaneStriped(this ILogger logger, uint lane, ulong peerId, int connections, double roundTripMs, long windowBytes);

    /// <summary>The master's heartbeat socket got less receive buffer than asked for.</summary>
    [LoggerMessage(EventId = Ids.HeartbeatBufferSmall, EventName = nameof(HeartbeatBufferSmall), Level = LogLevel.Warning,
        Message = "heartbeat socket receive buffer is {GrantedBytes} bytes, below the {TargetBytes} bytes that hold half a second of 1,000 peers' heartbeats at 100 ms: " +
                  "the kernel caps it at twice net.core.rmem_max (now {RmemMax}); on a master of hundreds of peers raise it: sysctl -w net.core.rmem_max={SuggestedRmemMax}")]
    public static partial void HeartbeatBufferSmall(this ILogger logger, int grantedBytes, int targetBytes, string rmemMax, int suggestedRmemMax);

    /// <summary>An all-reduce's pieces each took less than a round trip of the link: larger pieces would help.</summary>
    [LoggerMessage(EventId = Ids.SmallPieces, EventName = nameof(SmallPieces), Level = LogLevel.Warning,
        Message = "all-reduce pieces of {PieceBytes} bytes took {PieceMs} ms each, less than the {RttMs} ms round trip to the ring successor: per-piece overhead dominates; " +
                  "raise performance.ring_chunk_size (now {ChunkBytes} bytes) so a piece carries more than a round trip's worth")]
    public static partial void SmallPieces(this ILogger logger, int pieceBytes, double pieceMs, double rttMs, int chunkBytes);

    /// <summary>A flat ring of unlabelled peers spent most of an all-reduce in its hops' round trips.</summary>
    [LoggerMessage(EventId = Ids.FlatRingSlow, EventName = nameof(FlatRingSlow), Level = LogLevel.Warning,
        Message = "a flat ring of {Peers} peers without network.region spent {HopSharePercent}% of an all-reduce's {ElapsedMs} ms in {Hops} hops of {RttMs} ms round trip: " +
                  "label the peers with network.region (levels as eu/fra/rack1) so the hierarchical all-reduce runs short rings inside each site")]
    public static partial void FlatRingSlow(this ILogger logger, int peers, int hopSharePercent, double elapsedMs, int hops, double rttMs);

    /// <summary>One ring of a hierarchical all-reduce finished (per-stage durations, against the stages' models).</summary>
    [LoggerMessage(EventId = Ids.HierarchyStageTimed, EventName = nameof(HierarchyStageTimed), Level = LogLevel.Debug,
        Message = "hierarchy {Stage} at level {Level} over elements {FirstElement}+{ElementCount} of operation {Sequence}: started {StartedMs} ms into the operation, ran {RanMs} ms")]
    public static partial void HierarchyStageTimed(this ILogger logger, string stage, uint level, ulong firstElement, ulong elementCount, ulong sequence, double startedMs, double ranMs);

    /// <summary>A crossing ring of a hierarchical all-reduce paces its streams to their share of the path's measured rate.</summary>
    [LoggerMessage(EventId = Ids.HierarchyCrossingPaced, EventName = nameof(HierarchyCrossingPaced), Level = LogLevel.Debug,
        Message = "hierarchy crossing to peer {Partner} over elements {FirstElement}+{ElementCount} of operation {Sequence}: {Stripes} streams paced to {BytesPerSecond} bytes/s each ({Sharers} peers share the path measured at {PathBitsPerSecond} bit/s)")]
    public static partial void HierarchyCrossingPaced(this ILogger logger, ulong partner, ulong firstElement, ulong elementCount, ulong sequence, int stripes, long bytesPerSecond, int sharers, long pathBitsPerSecond);

    /// <summary>A measured rate changes how many connections the lanes to a peer are striped over: they reopen.</summary>
    [LoggerMessage(EventId = Ids.LanesRestriped, EventName = nameof(LanesRestriped), Level = LogLevel.Information,
        Message = "measured {Mbit:0.0} Mbit/s to peer {PeerId}: its lanes take {After} connections instead of {Before} (performance.connections_per_peer auto) from their next operation")]
    public static partial void LanesRestriped(this ILogger logger, ulong peerId, double mbit, int before, int after);

    /// <summary>A ring operation measured the rate of the path to its successor, and the rate kept for the peer changed.</summary>
    [LoggerMessage(EventId = Ids.HopRateMeasured, EventName = nameof(HopRateMeasured), Level = LogLevel.Information,
        Message = "an all-reduce moved {Mbit:0.0} Mbit/s to peer {PeerId} over {Connections} connections ({Limit}): its lanes are striped (and, under a loss-based congestion control, paced) for this rate from now on")]
    public static partial void HopRateMeasured(this ILogger logger, ulong peerId, double mbit, int connections, string limit);

    /// <summary>The path to a neighbour got slower: all-reduces in a row carried far less than its measured rate, which now follows them.</summary>
    [LoggerMessage(EventId = Ids.HopRateLowered, EventName = nameof(HopRateLowered), Level = LogLevel.Information,
        Message = "the path to peer {PeerId} got slower: {Operations} all-reduces in a row moved under {Share:0.0} of the {FromMbit:0.0} Mbit/s measured; its lanes are striped (and, under a loss-based congestion control, paced) for {Mbit:0.0} Mbit/s, the most of them, from now on")]
    public static partial void HopRateLowered(this ILogger logger, ulong peerId, int operations, double share, double fromMbit, double mbit);

    /// <summary>A flat ring's hop to another host paces its streams to their share of the rate measured to the successor.</summary>
    [LoggerMessage(EventId = Ids.RingHopPaced, EventName = nameof(RingHopPaced), Level = LogLevel.Debug,
        Message = "ring hop to peer {PeerId}: {Stripes} streams paced to {BytesPerSecond} bytes/s each, a share of the {MeasuredBitsPerSecond} bit/s measured to it ({CongestionControl})")]
    public static partial void RingHopPaced(this ILogger logger, ulong peerId, int stripes, long bytesPerSecond, long measuredBitsPerSecond, string congestionControl);

    /// <summary>The run of the all-reduce failure path's steps after the first success failed; only the first real failure's speed suffers.</summary>
    [LoggerMessage(EventId = Ids.FailurePathRehearsalFailed, EventName = nameof(FailurePathRehearsalFailed), Level = LogLevel.Debug,
        Message = "rehearsing the all-reduce failure path failed; a first failure will run with its code not yet compiled")]
    public static partial void FailurePathRehearsalFailed(this ILogger logger, Exception error);

    /// <summary>An all-reduce ran on the master's start grant, without waiting for a start.</summary>
    [LoggerMessage(EventId = Ids.StartGrantTaken, EventName = nameof(StartGrantTaken), Level = LogLevel.Debug,
        Message = "all-reduce on tag {Tag} runs as operation {Sequence} on the master's start grant (performance.start_grants)")]
    public static partial void StartGrantTaken(this ILogger logger, uint tag, ulong sequence);

    /// <summary>A start grant this peer held was dropped (the master cancelled it, or the operation was aborted).</summary>
    [LoggerMessage(EventId = Ids.StartGrantDropped, EventName = nameof(StartGrantDropped), Level = LogLevel.Debug,
        Message = "start grant of operation {Sequence} on tag {Tag} dropped before this peer took it: {Reason}")]
    public static partial void StartGrantDropped(this ILogger logger, uint tag, ulong sequence, string reason);
}
