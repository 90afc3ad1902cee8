using System.Diagnostics;

namespace Pccl.Operations.Collectives;

/// <summary>
/// Counts recoveries over a sliding window and says when they have become frequent: at most once per window, when
/// <c>threshold</c> or more fell inside it. Timestamps are <see cref="Stopwatch.GetTimestamp"/> ticks.
/// </summary>
internal sealed class RecoveryWindow(TimeSpan window, int threshold)
{
    private readonly Queue<long> _times = new();
    private readonly Lock _gate = new();
    private long _lastWarning = long.MinValue;

    public TimeSpan Window { get; } = window;

    /// <summary>Records one recovery at <paramref name="now"/>; returns the count in the window when a warning is due, else null.</summary>
    public int? Record(long now)
    {
        var span = (long)(Window.TotalSeconds * Stopwatch.Frequency);
        lock (_gate)
        {
            _times.Enqueue(now);
            while (_times.Count > 0 && now - _times.Peek() > span)
            {
                _times.Dequeue();
            }

            if (_times.Count < threshold || (_lastWarning != long.MinValue && now - _lastWarning <= span))
            {
                return null;
            }

            _lastWarning = now;
            return _times.Count;
        }
    }
}
