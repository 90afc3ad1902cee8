using System.Diagnostics.Metrics;
using Pccl.Telemetry;
using Prometheus;

namespace Pccl.Hosting.Telemetry;

/// <summary>
/// Forwards the library's <c>Pccl</c> meter into prometheus-net metrics on one
/// <see cref="CollectorRegistry"/>, under the exported names of the deployment guide
/// (<c>pccl_peer_count</c>, <c>pccl_collective_latency</c>, <c>pccl_recovery_total</c>, ...).
/// Counters and their known label sets start at 0 so that <c>rate()</c> works from the first scrape. Every communicator
/// and master has its own meter; counters and histograms add up over them, and gauges are combined by
/// <see cref="InstanceGauge"/>: the buffer backup size is the sum over the process's instances, the other gauges the
/// largest value of the instances of a role.
/// </summary>
public sealed class PrometheusBridge : IDisposable
{
    private delegate void Sink(Instrument instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags);

    private readonly MeterListener listener = new();
    private readonly Dictionary<string, InstanceGauge> gauges = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Sink> sinks;
    private volatile bool disposed;

    /// <summary>Creates the exported metrics on <paramref name="registry"/> (a new one when null) and starts listening.</summary>
    public PrometheusBridge(CollectorRegistry? registry = null)
    {
        Registry = registry ?? Metrics.NewCustomRegistry();
        sinks = CreateSinks(Metrics.WithCustomRegistry(Registry), gauges);

        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == PcclInstruments.MeterName && sinks.TryGetValue(instrument.Name, out var sink))
            {
                l.EnableMeasurementEvents(instrument, sink);
            }
        };
        listener.SetMeasurementEventCallback<long>((instrument, value, tags, state) => ((Sink)state!)(instrument, value, tags));
        listener.SetMeasurementEventCallback<double>((instrument, value, tags, state) => ((Sink)state!)(instrument, value, tags));
        listener.SetMeasurementEventCallback<int>((instrument, value, tags, state) => ((Sink)state!)(instrument, value, tags));
        listener.MeasurementsCompleted = (instrument, _) =>
        {
            // a disposed communicator or master leaves the gauges; the listener's own disposal leaves them as they are
            if (!disposed && gauges.TryGetValue(instrument.Name, out var gauge))
            {
                gauge.Forget(instrument);
            }
        };
        listener.Start();

        // Observable gauges report only when asked; ask right before every scrape.
        Registry.AddBeforeCollectCallback(() =>
        {
            if (!disposed)
            {
                listener.RecordObservableInstruments();
            }
        });
    }

    /// <summary>The registry that holds the exported metrics; serve it on /metrics.</summary>
    public CollectorRegistry Registry { get; }

    /// <summary>Stops forwarding; the exported metrics keep their last values.</summary>
    public void Dispose()
    {
        disposed = true;
        listener.Dispose();
    }

    private static Dictionary<string, Sink> CreateSinks(IMetricFactory factory, Dictionary<string, InstanceGauge> gauges)
    {
        gauges[PcclInstruments.Names.PeerCount] = new InstanceGauge(factory.CreateGauge(ExportedNames.PeerCount,
            "Peers in the world as seen by this process.", new GaugeConfiguration { LabelNames = [MetricTags.Role] }),
            MetricTags.Role, sum: false, zeroWhenNone: true);

        var latency = factory.CreateHistogram(ExportedNames.CollectiveLatency,
            "Duration of collective operations in seconds.",
            new HistogramConfiguration { LabelNames = [MetricTags.Op], Buckets = [.. PcclInstruments.LatencyBuckets] });
        foreach (var op in MetricTags.Ops.All)
        {
            latency.WithLabels(op);
        }

        var recoveries = factory.CreateCounter(ExportedNames.Recoveries, "Recoveries after a lost peer.");
        gauges[PcclInstruments.Names.Throughput] = new InstanceGauge(
            factory.CreateGauge(ExportedNames.Throughput, "Last measured data rate in gigabits per second."), null, sum: false, zeroWhenNone: false);
        gauges[PcclInstruments.Names.BufferBackupSize] = new InstanceGauge(
            factory.CreateGauge(ExportedNames.BufferBackupSize, "Bytes held by the all-reduce buffer backup."), null, sum: true, zeroWhenNone: true);

        var sent = CounterWithKnownLabels(factory, ExportedNames.BytesSent, "Payload bytes sent, by traffic kind.",
            MetricTags.Kind, MetricTags.TrafficKinds.All);
        var received = CounterWithKnownLabels(factory, ExportedNames.BytesReceived, "Payload bytes received, by traffic kind.",
            MetricTags.Kind, MetricTags.TrafficKinds.All);

        var heartbeat = factory.CreateHistogram(ExportedNames.HeartbeatRtt, "Heartbeat round-trip time in seconds.",
            new HistogramConfiguration { Buckets = [.. PcclInstruments.HeartbeatBuckets] });

        var kicked = CounterWithKnownLabels(factory, ExportedNames.PeersKicked, "Peers the master removed, by reason.",
            MetricTags.Reason, MetricTags.KickReasons.All);

        gauges[PcclInstruments.Names.SharedStateRevision] = new InstanceGauge(factory.CreateGauge(ExportedNames.SharedStateRevision,
            "Revision of the last synchronised shared state.", new GaugeConfiguration { SuppressInitialValue = true }), null, sum: false, zeroWhenNone: false);

        var syncBytes = CounterWithKnownLabels(factory, ExportedNames.SyncBytes, "Shared-state bytes transferred, by direction.",
            MetricTags.Direction, MetricTags.Directions.All);
        var failures = CounterWithKnownLabels(factory, ExportedNames.OperationFailures, "Failed operations, by error code.",
            MetricTags.Code, [.. MetricTags.AllCodeNames]);
        var staleEpochMessages = factory.CreateCounter(ExportedNames.PeerStaleEpochMessages,
            "Master messages dropped by a peer because their epoch was older than the newest it had seen.");

        gauges[PcclInstruments.Names.MasterIsLeader] = new InstanceGauge(factory.CreateGauge(ExportedNames.MasterIsLeader,
            "1 while this master holds the leader lease, 0 while it stands by.", new GaugeConfiguration { SuppressInitialValue = true }), null, sum: false, zeroWhenNone: false);
        gauges[PcclInstruments.Names.MasterEpoch] = new InstanceGauge(factory.CreateGauge(ExportedNames.MasterEpoch,
            "The leadership epoch this master serves or last saw.", new GaugeConfiguration { SuppressInitialValue = true }), null, sum: false, zeroWhenNone: false);
        var failovers = factory.CreateCounter(ExportedNames.MasterFailovers, "Leadership terms this master began after an earlier term.");

        var sinks = new Dictionary<string, Sink>(StringComparer.Ordinal)
        {
            [PcclInstruments.Names.MasterFailovers] = (_, v, _) => failovers.Inc(v),
            [PcclInstruments.Names.CollectiveLatency] = (_, v, t) => latency.WithLabels(Tag(t, MetricTags.Op)).Observe(v),
            [PcclInstruments.Names.Recoveries] = (_, v, _) => recoveries.Inc(v),
            [PcclInstruments.Names.BytesSent] = (_, v, t) => sent.WithLabels(Tag(t, MetricTags.Kind)).Inc(v),
            [PcclInstruments.Names.BytesReceived] = (_, v, t) => received.WithLabels(Tag(t, MetricTags.Kind)).Inc(v),
            [PcclInstruments.Names.HeartbeatRtt] = (_, v, _) => heartbeat.Observe(v),
            [PcclInstruments.Names.PeersKicked] = (_, v, t) => kicked.WithLabels(Tag(t, MetricTags.Reason)).Inc(v),
            [PcclInstruments.Names.SyncBytes] = (_, v, t) => syncBytes.WithLabels(Tag(t, MetricTags.Direction)).Inc(v),
            [PcclInstruments.Names.OperationFailures] = (_, v, t) => failures.WithLabels(Tag(t, MetricTags.Code)).Inc(v),
            [PcclInstruments.Names.PeerStaleEpochMessages] = (_, v, _) => staleEpochMessages.Inc(v),
        };
        foreach (var (name, gauge) in gauges)
        {
            sinks[name] = gauge.Set;
        }

        return sinks;
    }

    private static Counter CounterWithKnownLabels(IMetricFactory factory, string name, string help, string label, IReadOnlyList<string> values)
    {
        var counter = factory.CreateCounter(name, help, new CounterConfiguration { LabelNames = [label] });
        foreach (var value in values)
        {
            counter.WithLabels(value);
        }

        return counter;
    }

    /// <summary>The value of tag <paramref name="key"/>, or <c>unknown</c>.</summary>
    internal static string Tag(ReadOnlySpan<KeyValuePair<string, object?>> tags, string key)
    {
        foreach (var tag in tags)
        {
            if (tag.Key == key)
            {
                return tag.Value?.ToString() ?? "unknown";
            }
        }

        return "unknown";
    }
}
