using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Pccl.Telemetry;

namespace Pccl.Tests.Telemetry.Support;

/// <summary>
/// Listens to the observable gauges of every <c>Pccl</c> meter in the process and keeps, per collection, the values
/// each instance (the meter's <c>pccl.instance</c> tag) reported.
/// </summary>
internal sealed class GaugeRecorder : IDisposable
{
    private readonly MeterListener _listener = new();
    private ConcurrentDictionary<(long Instance, string Name, string? Role), double> _values = new();

    public GaugeRecorder()
    {
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name == PcclInstruments.MeterName && instrument is ObservableGauge<long> or ObservableGauge<double>)
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) => Note(instrument, value, tags));
        _listener.SetMeasurementEventCallback<double>((instrument, value, tags, _) => Note(instrument, value, tags));
        _listener.Start();
    }

    /// <summary>Asks every live instance for its gauges, replacing what the last collection saw.</summary>
    public void Collect()
    {
        _values = new();
        _listener.RecordObservableInstruments();
    }

    /// <summary>What <paramref name="instance"/> reported for <paramref name="name"/> (with that <c>role</c> tag) at the last collection.</summary>
    public double? Value(long instance, string name, string? role = null) =>
        _values.TryGetValue((instance, name, role), out var value) ? value : null;

    /// <summary>Whether <paramref name="instance"/> reported anything at the last collection.</summary>
    public bool Reports(long instance) => _values.Keys.Any(k => k.Instance == instance);

    public void Dispose() => _listener.Dispose();

    private void Note(Instrument instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        var instance = instrument.Meter.Tags?.FirstOrDefault(t => t.Key == PcclInstruments.InstanceTag).Value as long?;
        if (instance is null)
        {
            return;
        }

        string? role = null;
        foreach (var tag in tags)
        {
            if (tag.Key == MetricTags.Role)
            {
                role = tag.Value as string;
            }
        }

        _values[(instance.Value, instrument.Name, role)] = value;
    }
}
