namespace Pccl.Telemetry;

/// <summary>
/// Counts recoveries in a sliding window and says when they come often enough to warn about
/// (event <see cref="LogEvents.Ids.FrequentRecoveries"/>). The defaults match the
/// <c>PcclFrequentRecoveries</c> alert: <c>rate(pccl_recovery_total[5m]) &gt; 0.01</c>, about 3 in 5 minutes.
/// At most one warning per window, so a flapping network does not flood the log. Not thread-safe.
/// </summary>
internal sealed class RecoveryRateWatch
{
    /// <summary>Recoveries within <see cref="DefaultWindow"/> that trigger the warning.</summary>
    public const int DefaultThreshold = 3;

    /// <summary>The window the recoveries are counted in.</summary>
    public static readonly TimeSpan DefaultWindow = TimeSpan.FromMinutes(5);

    private readonly Queue<DateTimeOffset> _recoveries = new();
    private readonly TimeProvider _clock;
    private DateTimeOffset? _lastWarning;

    /// <summary>Creates a watch; <paramref name="clock"/> defaults to the system clock.</summary>
    public RecoveryRateWatch(int threshold = DefaultThreshold, TimeSpan? window = null, TimeProvider? clock = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(threshold, 1);
        Threshold = threshold;
        Window = window ?? DefaultWindow;
        _clock = clock ?? TimeProvider.System;
    }

    /// <summary>Recoveries within <see cref="Window"/> that trigger a warning.</summary>
    public int Threshold { get; }

    /// <summary>The sliding window.</summary>
    public TimeSpan Window { get; }

    /// <summary>
    /// Records one recovery. Returns the number of recoveries in the window when it reached
    /// <see cref="Threshold"/> and no warning was due within the last window; otherwise null.
    /// </summary>
    public int? Record()
    {
        var now = _clock.GetUtcNow();
        _recoveries.Enqueue(now);
        while (_recoveries.Count > 0 && now - _recoveries.Peek() > Window)
        {
            _recoveries.Dequeue();
        }

        if (_recoveries.Count < Threshold || (_lastWarning is { } last && now - last < Window))
        {
            return null;
        }

        _lastWarning = now;
        return _recoveries.Count;
    }
}
