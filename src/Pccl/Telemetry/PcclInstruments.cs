using System.Diagnostics.Metrics;

namespace Pccl.Telemetry;

/// <summary>
/// The library's metrics: one <see cref="Meter"/> named <c>Pccl</c> and a one-line helper per
/// measurement. Exporters (the Prometheus bridge in Pccl.Hosting, or any OpenTelemetry listener)
/// subscribe to <see cref="MeterName"/>. Gauges are observable and keep the last value set, so an
/// exporter that starts late still reports the current state.
/// </summary>
internal static class PcclInstruments
{
    /// <summary>The name of the meter every PCCL instrument belongs to.</summary>
    public const string MeterName = "Pccl";

    /// <summary>Instrument names, as listeners see them.</summary>
    public static class Names
    {
        /// <summary>Peers in the world (observable gauge, tag role).</summary>
        public const string PeerCount = "pccl.peer.count";

        /// <summary>Duration of one collective (histogram, seconds, tag op).</summary>
        public const string CollectiveLatency = "pccl.collective.latency";

        /// <summary>Recoveries after a lost peer (counter).</summary>
        public const string Recoveries = "pccl.recoveries";

        /// <summary>Last measured data rate (observable gauge, Gbit/s).</summary>
        public const string Throughput = "pccl.throughput";

        /// <summary>Memory held by the all-reduce buffer backup (observable gauge, bytes).</summary>
        public const string BufferBackupSize = "pccl.buffer_backup.size";

        /// <summary>Payload bytes sent (counter, tag kind).</summary>
        public const string BytesSent = "pccl.bytes.sent";

        /// <summary>Payload bytes received (counter, tag kind).</summary>
        public const string BytesReceived = "pccl.bytes.received";

        /// <summary>Heartbeat round-trip time (histogram, seconds).</summary>
        public const string HeartbeatRtt = "pccl.heartbeat.rtt";

        /// <summary>Peers the master removed (counter, tag reason).</summary>
        public const string PeersKicked = "pccl.peers.kicked";

        /// <summary>Revision of the last synchronised shared state (observable gauge).</summary>
        public const string SharedStateRevision = "pccl.shared_state.revision";

        /// <summary>Shared-state bytes transferred (counter, tag direction).</summary>
        public const string SyncBytes = "pccl.sync.bytes";

        /// <summary>Failed operations (counter, tag code).</summary>
        public const string OperationFailures = "pccl.operation.failures";
    }

    /// <summary>Histogram bucket bounds for collective latency, seconds (1 ms to 60 s).</summary>
    public static IReadOnlyList<double> LatencyBuckets { get; } =
        [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

    /// <summary>Histogram bucket bounds for heartbeat round trips, seconds (0.1 ms to 5 s).</summary>
    public static IReadOnlyList<double> HeartbeatBuckets { get; } =
        [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];

    private const long Unset = -1;

    private static readonly Meter Meter = new(MeterName);

    // Gauge state: last value set (the backup size: a running sum). peer count is kept per role; Unset means "never reported".
    private static readonly MetricRole[] Roles = [MetricRole.Peer, MetricRole.Master];
    private static readonly long[] PeerCounts = [Unset, Unset];
    private static double throughputGbps;
    private static long bufferBackupBytes;
    private static long sharedStateRevision = Unset;

    private static readonly Histogram<double> CollectiveLatency = Meter.CreateHistogram(
        Names.CollectiveLatency, unit: "s", description: "Duration of one collective operation.",
        advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = LatencyBuckets });

    private static readonly Counter<long> Recoveries = Meter.CreateCounter<long>(
        Names.Recoveries, unit: "{recovery}", description: "Recoveries after a lost peer.");

    private static readonly Counter<long> BytesSent = Meter.CreateCounter<long>(
        Names.BytesSent, unit: "By", description: "Payload bytes sent to other peers.");

    private static readonly Counter<long> BytesReceived = Meter.CreateCounter<long>(
        Names.BytesReceived, unit: "By", description: "Payload bytes received from other peers.");

    private static readonly Histogram<double> HeartbeatRtt = Meter.CreateHistogram(
        Names.HeartbeatRtt, unit: "s", description: "Heartbeat round-trip time.",
        advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = HeartbeatBuckets });

    private static readonly Counter<long> PeersKicked = Meter.CreateCounter<long>(
        Names.PeersKicked, unit: "{peer}", description: "Peers the master removed.");

    private static readonly Counter<long> SyncBytes = Meter.CreateCounter<long>(
        Names.SyncBytes, unit: "By", description: "Shared-state bytes transferred.");

    private static readonly Counter<long> OperationFailures = Meter.CreateCounter<long>(
        Names.OperationFailures, unit: "{failure}", description: "Failed operations by error code.");

    static PcclInstruments()
    {
        Meter.CreateObservableGauge(Names.PeerCount, ObservePeerCounts, unit: "{peer}",
            description: "Peers in the world.");
        Meter.CreateObservableGauge(Names.Throughput, () => Volatile.Read(ref throughputGbps), unit: "Gbit/s",
            description: "Last measured data rate.");
        Meter.CreateObservableGauge(Names.BufferBackupSize, () => Interlocked.Read(ref bufferBackupBytes), unit: "By",
            description: "Memory held by the buffer backups of in-flight in-place all-reduces.");
        Meter.CreateObservableGauge(Names.SharedStateRevision, ObserveRevision,
            description: "Revision of the last synchronised shared state.");
    }

    /// <summary>Reports the world size as seen by this peer or master.</summary>
    public static void SetPeerCount(int count, MetricRole role = MetricRole.Peer) =>
        Interlocked.Exchange(ref PeerCounts[(int)role], count);

    /// <summary>
    /// Records one finished collective: its latency and, when it moved bytes, the resulting
    /// throughput. <paramref name="op"/> is one of <see cref="MetricTags.Ops"/>.
    /// </summary>
    public static void RecordCollective(TimeSpan duration, long bytes, string op)
    {
        var seconds = duration.TotalSeconds;
        CollectiveLatency.Record(seconds, new KeyValuePair<string, object?>(MetricTags.Op, op));
        if (bytes > 0 && seconds > 0)
        {
            SetThroughput(bytes * 8 / seconds / 1e9);
        }
    }

    /// <summary>
    /// Records one finished all-reduce: its latency, the throughput of the bytes this peer sent, and
    /// the ring payload sent and received.
    /// </summary>
    public static void RecordAllReduce(TimeSpan duration, long bytesSent, long bytesReceived)
    {
        RecordCollective(duration, bytesSent, MetricTags.Ops.AllReduce);
        AddBytesSent(bytesSent, MetricTags.TrafficKinds.Ring);
        AddBytesReceived(bytesReceived, MetricTags.TrafficKinds.Ring);
    }

    /// <summary>Reports a measured data rate in gigabits per second (e.g. from a bandwidth test).</summary>
    public static void SetThroughput(double gbps) => Volatile.Write(ref throughputGbps, gbps);

    /// <summary>Counts one recovery (a retry after a lost peer).</summary>
    public static void RecordRecovery() => Recoveries.Add(1);

    /// <summary>
    /// Adds the bytes of a buffer backup just taken (negative: released). The gauge is the sum over every communicator
    /// of the process, so peers sharing a process do not overwrite each other's figure.
    /// </summary>
    public static void AddBufferBackupSize(long bytes) => Interlocked.Add(ref bufferBackupBytes, bytes);

    /// <summary>Counts payload bytes sent; <paramref name="kind"/> is one of <see cref="MetricTags.TrafficKinds"/>.</summary>
    public static void AddBytesSent(long bytes, string kind) =>
        BytesSent.Add(bytes, new KeyValuePair<string, object?>(MetricTags.Kind, kind));

    /// <summary>Counts payload bytes received; <paramref name="kind"/> is one of <see cref="MetricTags.TrafficKinds"/>.</summary>
    public static void AddBytesReceived(long bytes, string kind) =>
        BytesReceived.Add(bytes, new KeyValuePair<string, object?>(MetricTags.Kind, kind));

    /// <summary>Records one heartbeat round trip.</summary>
    public static void RecordHeartbeatRtt(TimeSpan rtt) => HeartbeatRtt.Record(rtt.TotalSeconds);

    /// <summary>Counts one kicked peer; unknown reasons are reported as <c>other</c>.</summary>
    public static void RecordPeerKicked(string reason) =>
        PeersKicked.Add(1, new KeyValuePair<string, object?>(MetricTags.Reason, MetricTags.KickReasons.Normalize(reason)));

    /// <summary>Reports the revision of the shared state after a sync.</summary>
    public static void SetSharedStateRevision(long revision) => Interlocked.Exchange(ref sharedStateRevision, revision);

    /// <summary>Records a finished shared-state sync: the new revision and the bytes moved each way.</summary>
    public static void RecordSharedStateSync(long revision, long bytesSent, long bytesReceived)
    {
        SetSharedStateRevision(revision);
        if (bytesSent > 0)
        {
            SyncBytes.Add(bytesSent, new KeyValuePair<string, object?>(MetricTags.Direction, MetricTags.Directions.Sent));
        }

        if (bytesReceived > 0)
        {
            SyncBytes.Add(bytesReceived, new KeyValuePair<string, object?>(MetricTags.Direction, MetricTags.Directions.Received));
        }
    }

    /// <summary>Counts one failed operation by its error code.</summary>
    public static void RecordFailure(PcclErrorCode code) =>
        OperationFailures.Add(1, new KeyValuePair<string, object?>(MetricTags.Code, MetricTags.CodeName(code)));

    private static IEnumerable<Measurement<long>> ObservePeerCounts()
    {
        foreach (var role in Roles)
        {
            var count = Interlocked.Read(ref PeerCounts[(int)role]);
            if (count != Unset)
            {
                yield return new Measurement<long>(count, new KeyValuePair<string, object?>(MetricTags.Role, MetricTags.RoleName(role)));
            }
        }
    }

    private static IEnumerable<Measurement<long>> ObserveRevision()
    {
        var revision = Interlocked.Read(ref sharedStateRevision);
        if (revision != Unset)
        {
            yield return new Measurement<long>(revision);
        }
    }
}
