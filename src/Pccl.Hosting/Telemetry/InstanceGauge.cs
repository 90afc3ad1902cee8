using System.Diagnostics.Metrics;
using Prometheus;

namespace Pccl.Hosting.Telemetry;

/// <summary>
/// One exported gauge fed by the observable gauges of every communicator and master of the process (each has its own
/// meter): the exported value of a label is the sum or the largest of the live instances' last values. When the last
/// instance reporting a label is disposed, the label drops to 0 (<paramref name="zeroWhenNone"/>) or keeps its value.
/// </summary>
internal sealed class InstanceGauge(Gauge gauge, string? label, bool sum, bool zeroWhenNone)
{
    private readonly Lock _lock = new();
    private readonly Dictionary<(Instrument Instrument, string Label), double> _values = [];

    /// <summary>Takes one instance's measurement.</summary>
    public void Set(Instrument instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        var key = label is null ? string.Empty : PrometheusBridge.Tag(tags, label);
        lock (_lock)
        {
            _values[(instrument, key)] = value;
            Export(key);
        }
    }

    /// <summary>Drops the values of an instance whose meter was disposed.</summary>
    public void Forget(Instrument instrument)
    {
        lock (_lock)
        {
            var gone = _values.Keys.Where(k => k.Instrument == instrument).ToList();
            foreach (var key in gone)
            {
                _values.Remove(key);
            }

            foreach (var key in gone.Select(k => k.Label).Distinct())
            {
                Export(key);
            }
        }
    }

    private void Export(string key)
    {
        var values = _values.Where(v => v.Key.Label == key).Select(v => v.Value).ToList();
        if (values.Count == 0 && !zeroWhenNone)
        {
            return;
        }

        var value = values.Count == 0 ? 0 : sum ? values.Sum() : values.Max();
        if (label is null)
        {
            gauge.Set(value);
        }
        else
        {
            gauge.WithLabels(key).Set(value);
        }
    }
}
