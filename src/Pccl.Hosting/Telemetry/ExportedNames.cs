namespace Pccl.Hosting.Telemetry;

/// <summary>
/// The metric names Prometheus sees. They are part of the deployment contract (dashboards and
/// alert rules in deploy/ use them): never rename one.
/// </summary>
public static class ExportedNames
{
    /// <summary>Gauge: peers in the world (label role).</summary>
    public const string PeerCount = "pccl_peer_count";

    /// <summary>Histogram, seconds: collective duration (label op); series <c>pccl_collective_latency_bucket</c>.</summary>
    public const string CollectiveLatency = "pccl_collective_latency";

    /// <summary>Counter: recoveries after a lost peer.</summary>
    public const string Recoveries = "pccl_recovery_total";

    /// <summary>Gauge: last measured data rate, Gbit/s.</summary>
    public const string Throughput = "pccl_throughput_gbps";

    /// <summary>Gauge: bytes held by the buffer backup.</summary>
    public const string BufferBackupSize = "pccl_buffer_backup_size";

    /// <summary>Counter: payload bytes sent (label kind: ring|state).</summary>
    public const string BytesSent = "pccl_bytes_sent_total";

    /// <summary>Counter: payload bytes received (label kind: ring|state).</summary>
    public const string BytesReceived = "pccl_bytes_received_total";

    /// <summary>Histogram, seconds: heartbeat round-trip time.</summary>
    public const string HeartbeatRtt = "pccl_heartbeat_rtt_seconds";

    /// <summary>Counter: peers kicked by the master (label reason).</summary>
    public const string PeersKicked = "pccl_peers_kicked_total";

    /// <summary>Gauge: revision of the last synchronised shared state.</summary>
    public const string SharedStateRevision = "pccl_shared_state_revision";

    /// <summary>Counter: shared-state bytes (label direction: sent|received).</summary>
    public const string SyncBytes = "pccl_sync_bytes_total";

    /// <summary>Counter: failed operations (label code, e.g. peer_lost).</summary>
    public const string OperationFailures = "pccl_operation_failures_total";

    /// <summary>Gauge: 1 while this master holds the leader lease, 0 while it stands by.</summary>
    public const string MasterIsLeader = "pccl_master_is_leader";

    /// <summary>Gauge: the leadership epoch this master serves (or last saw while standing by).</summary>
    public const string MasterEpoch = "pccl_master_epoch";

    /// <summary>Counter: leadership terms this master began after an earlier term (failovers and restarts on a kept store).</summary>
    public const string MasterFailovers = "pccl_master_failovers_total";
    /// <summary>Counter: master messages a peer dropped because their epoch was older than the newest it had seen.</summary>
    public const string PeerStaleEpochMessages = "pccl_peer_stale_epoch_messages_total";
}
