using System.Diagnostics.Metrics;

namespace Pccl.Telemetry;

/// <summary>
/// The metrics of one communicator or one master: its own <see cref="Meter"/> named <c>Pccl</c>, tagged with the
/// instance (<see cref="InstanceTag"/>) and its role (<see cref="RoleTag"/>), and a one-line helper per measurement.
/// Two communicators (or a master and a peer) in one process keep separate gauges. Exporters (the Prometheus bridge in
/// Pccl.Hosting, or any OpenTelemetry listener) subscribe to <see cref="MeterName"/>. Gauges are observable and keep the
/// last value set, so an exporter that starts late still reports the current state. Dispose with its owner: the
/// instance's series disappear from listeners.
/// </summary>
internal sealed class PcclInstruments : IDisposable
{
    /// <summary>The name of the meter every PCCL instrument belongs to.</summary>
    public const string MeterName = "Pccl";

    /// <summary>Meter tag: a number unique to the instance within the process.</summary>
    public const string InstanceTag = "pccl.instance";

    /// <summary>Meter tag: <c>peer</c> or <c>master</c>.</summary>
    public const string RoleTag = "pccl.role";

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

        /// <summary>1 while this master holds the leader lease, 0 while it stands by (observable gauge; masters only).</summary>
        public const string MasterIsLeader = "pccl.master.is_leader";

        /// <summary>The epoch this master serves, or the last it saw while standing by (observable gauge; masters only).</summary>
        public const string MasterEpoch = "pccl.master.epoch";

        /// <summary>Leadership terms this master began after another term (counter; masters only).</summary>
        public const string MasterFailovers = "pccl.master.failovers";
        /// <summary>Master messages a peer dropped because their epoch was older than the newest it had seen (counter).</summary>
        public const string PeerStaleEpochMessages = "pccl.peer.stale_epoch_messages";
    }

    /// <summary>Histogram bucket bounds for collective latency, seconds (1 ms to 60 s).</summary>
    public static IReadOnlyList<double> LatencyBuckets { get; } =
        [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

    /// <summary>Histogram bucket bounds for heartbeat round trips, seconds (0.1 ms to 5 s).</summary>
    public static IReadOnlyList<double> HeartbeatBuckets { get; } =
        [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];

    private const long Unset = -1;
    private static long _lastInstance;

    private readonly Meter _meter;
    private readonly KeyValuePair<string, object?> _roleTag;

    // Gauge state: the last value set (the backup size: a running sum over this instance's operations); Unset means "never reported".
    private long _peerCount = Unset;
    private double _throughputGbps;
    private long _bufferBackupBytes;
    private long _sharedStateRevision = Unset;

    private readonly Histogram<double> _collectiveLatency;
    private readonly Counter<long> _recoveries;
    private readonly Counter<long> _bytesSent;
    private readonly Counter<long> _bytesReceived;
    private readonly Histogram<double> _heartbeatRtt;
    private readonly Counter<long> _peersKicked;
    private readonly Counter<long> _syncBytes;
    private readonly Counter<long> _operationFailures;
    private readonly Counter<long> _failovers;
    private long _isLeader = Unset;
    private long _epoch = Unset;
    private readonly Counter<long> _staleEpochMessages;

    /// <summary>Creates the instruments of one communicator (<see cref="MetricRole.Peer"/>) or master.</summary>
    /// <param name="role">Peer or master.</param>
    /// <param name="meterFactory">The host's meter factory (it owns the meter); null: a meter of this instance's own.</param>
    public PcclInstruments(MetricRole role, IMeterFactory? meterFactory = null)
    {
        Role = role;
        Instance = Interlocked.Increment(ref _lastInstance);
        _roleTag = new KeyValuePair<string, object?>(MetricTags.Role, MetricTags.RoleName(role));
        var meterOptions = new MeterOptions(MeterName)
        {
            Tags = [new(InstanceTag, Instance), new(RoleTag, MetricTags.RoleName(role))],
        };
        _meter = meterFactory?.Create(meterOptions) ?? new Meter(meterOptions);

        _collectiveLatency = _meter.CreateHistogram(
            Names.CollectiveLatency, unit: "s", description: "Duration of one collective operation.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = LatencyBuckets });
        _recoveries = _meter.CreateCounter<long>(Names.Recoveries, unit: "{recovery}", description: "Recoveries after a lost peer.");
        _bytesSent = _meter.CreateCounter<long>(Names.BytesSent, unit: "By", description: "Payload bytes sent to other peers.");
        _bytesReceived = _meter.CreateCounter<long>(Names.BytesReceived, unit: "By", description: "Payload bytes received from other peers.");
        _heartbeatRtt = _meter.CreateHistogram(
            Names.HeartbeatRtt, unit: "s", description: "Heartbeat round-trip time.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = HeartbeatBuckets });
        _peersKicked = _meter.CreateCounter<long>(Names.PeersKicked, unit: "{peer}", description: "Peers the master removed.");
        _syncBytes = _meter.CreateCounter<long>(Names.SyncBytes, unit: "By", description: "Shared-state bytes transferred.");
        _operationFailures = _meter.CreateCounter<long>(
            Names.OperationFailures, unit: "{failure}", description: "Failed operations by error code.");
        _staleEpochMessages = _meter.CreateCounter<long>(
            Names.PeerStaleEpochMessages, unit: "{message}", description: "Master messages dropped for an epoch older than the newest seen.");

        _meter.CreateObservableGauge(Names.PeerCount, ObservePeerCount, unit: "{peer}", description: "Peers in the world.");
        _meter.CreateObservableGauge(Names.Throughput, () => Volatile.Read(ref _throughputGbps), unit: "Gbit/s",
            description: "Last measured data rate.");
        _meter.CreateObservableGauge(Names.BufferBackupSize, () => Interlocked.Read(ref _bufferBackupBytes), unit: "By",
            description: "Memory held by the buffer backups of in-flight in-place all-reduces.");
        _meter.CreateObservableGauge(Names.SharedStateRevision, ObserveRevision,
            description: "Revision of the last synchronised shared state.");
        _failovers = _meter.CreateCounter<long>(Names.MasterFailovers, unit: "{failover}", description: "Leadership terms this master took over.");
        _meter.CreateObservableGauge(Names.MasterIsLeader, () => Observe(ref _isLeader), description: "1 while this master leads, 0 while it stands by.");
        _meter.CreateObservableGauge(Names.MasterEpoch, () => Observe(ref _epoch), description: "The leadership epoch this master serves or last saw.");
    }

    /// <summary>Whether a peer or the master reports through these instruments.</summary>
    public MetricRole Role { get; }

    /// <summary>The value of <see cref="InstanceTag"/>: unique among the instances of this process.</summary>
    public long Instance { get; }

    /// <summary>The meter these instruments belong to.</summary>
    public Meter Meter => _meter;

    /// <summary>Reports the world size as seen by this peer or master.</summary>
    public void SetPeerCount(int count) => Interlocked.Exchange(ref _peerCount, count);

    /// <summary>
    /// Records one finished collective: its latency and, when it moved bytes, the resulting
    /// throughput. <paramref name="op"/> is one of <see cref="MetricTags.Ops"/>.
    /// </summary>
    public void RecordCollective(TimeSpan duration, long bytes, string op)
    {
        var seconds = duration.TotalSeconds;
        _collectiveLatency.Record(seconds, new KeyValuePair<string, object?>(MetricTags.Op, op));
        if (bytes > 0 && seconds > 0)
        {
            SetThroughput(bytes * 8 / seconds / 1e9);
        }
    }

    /// <summary>
    /// Records one finished all-reduce: its latency, the throughput of the bytes this peer sent, and
    /// the ring payload sent and received.
    /// </summary>
    public void RecordAllReduce(TimeSpan duration, long bytesSent, long bytesReceived)
    {
        RecordCollective(duration, bytesSent, MetricTags.Ops.AllReduce);
        AddBytesSent(bytesSent, MetricTags.TrafficKinds.Ring);
        AddBytesReceived(bytesReceived, MetricTags.TrafficKinds.Ring);
    }

    /// <summary>Reports a measured data rate in gigabits per second (e.g. from a bandwidth test).</summary>
    public void SetThroughput(double gbps) => Volatile.Write(ref _throughputGbps, gbps);

    /// <summary>Counts one recovery (a retry after a lost peer).</summary>
    public void RecordRecovery() => _recoveries.Add(1);

    /// <summary>Adds the bytes of a buffer backup just taken (negative: released); concurrent operations add up.</summary>
    public void AddBufferBackupSize(long bytes) => Interlocked.Add(ref _bufferBackupBytes, bytes);

    /// <summary>Counts payload bytes sent; <paramref name="kind"/> is one of <see cref="MetricTags.TrafficKinds"/>.</summary>
    public void AddBytesSent(long bytes, string kind) =>
        _bytesSent.Add(bytes, new KeyValuePair<string, object?>(MetricTags.Kind, kind));

    /// <summary>Counts payload bytes received; <paramref name="kind"/> is one of <see cref="MetricTags.TrafficKinds"/>.</summary>
    public void AddBytesReceived(long bytes, string kind) =>
        _bytesReceived.Add(bytes, new KeyValuePair<string, object?>(MetricTags.Kind, kind));

    /// <summary>Counts one master message dropped for its stale epoch.</summary>
    public void RecordStaleEpochMessage() => _staleEpochMessages.Add(1);

    /// <summary>Records one heartbeat round trip.</summary>
    public void RecordHeartbeatRtt(TimeSpan rtt) => _heartbeatRtt.Record(rtt.TotalSeconds);

    /// <summary>Counts one kicked peer; unknown reasons are reported as <c>other</c>.</summary>
    public void RecordPeerKicked(string reason) =>
        _peersKicked.Add(1, new KeyValuePair<string, object?>(MetricTags.Reason, MetricTags.KickReasons.Normalize(reason)));

    /// <summary>Reports the revision of the shared state after a sync.</summary>
    public void SetSharedStateRevision(long revision) => Interlocked.Exchange(ref _sharedStateRevision, revision);

    /// <summary>Records a finished shared-state sync: the new revision and the bytes moved each way.</summary>
    public void RecordSharedStateSync(long revision, long bytesSent, long bytesReceived)
    {
        SetSharedStateRevision(revision);
        if (bytesSent > 0)
        {
            _syncBytes.Add(bytesSent, new KeyValuePair<string, object?>(MetricTags.Direction, MetricTags.Directions.Sent));
        }

        if (bytesReceived > 0)
        {
            _syncBytes.Add(bytesReceived, new KeyValuePair<string, object?>(MetricTags.Direction, MetricTags.Directions.Received));
        }
    }

    /// <summary>Counts one failed operation by its error code.</summary>
    public void RecordFailure(PcclErrorCode code) =>
        _operationFailures.Add(1, new KeyValuePair<string, object?>(MetricTags.Code, MetricTags.CodeName(code)));

    /// <summary>Withdraws this instance's instruments from every listener.</summary>
    public void Dispose() => _meter.Dispose();

    private IEnumerable<Measurement<long>> ObservePeerCount()
    {
        var count = Interlocked.Read(ref _peerCount);
        if (count != Unset)
        {
            yield return new Measurement<long>(count, _roleTag);
        }
    }

    /// <summary>Reports a master's leadership; <paramref name="tookOver"/> counts a term begun after an earlier one.</summary>
    public void SetLeadership(bool isLeader, ulong epoch, bool tookOver)
    {
        Interlocked.Exchange(ref _isLeader, isLeader ? 1 : 0);
        Interlocked.Exchange(ref _epoch, (long)epoch);
        if (tookOver)
        {
            _failovers.Add(1);
        }
    }

    private static IEnumerable<Measurement<long>> Observe(ref long field)
    {
        var value = Interlocked.Read(ref field);
        return value == Unset ? [] : [new Measurement<long>(value)];
    }

    private IEnumerable<Measurement<long>> ObserveRevision()
    {
        var revision = Interlocked.Read(ref _sharedStateRevision);
        if (revision != Unset)
        {
            yield return new Measurement<long>(revision);
        }
    }
}
