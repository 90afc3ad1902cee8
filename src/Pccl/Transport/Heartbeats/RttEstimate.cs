namespace Pccl.Transport.Heartbeats;

/// <summary>
/// The last heartbeat round-trip time and a smoothed one (exponential average with gain 1/8, as TCP's SRTT).
/// One writer (the heartbeat thread), any number of readers.
/// </summary>
internal sealed class RttEstimate
{
    private const long None = -1;
    private long _lastTicks = None;
    private long _smoothedTicks = None;

    public TimeSpan? Last => Read(ref _lastTicks);

    public TimeSpan? Smoothed => Read(ref _smoothedTicks);

    public void Add(TimeSpan rtt)
    {
        var ticks = Math.Max(0, rtt.Ticks);
        var smoothed = Interlocked.Read(ref _smoothedTicks);
        Interlocked.Exchange(ref _smoothedTicks, smoothed == None ? ticks : smoothed + ((ticks - smoothed) / 8));
        Interlocked.Exchange(ref _lastTicks, ticks);
    }

    private static TimeSpan? Read(ref long ticks)
    {
        var value = Interlocked.Read(ref ticks);
        return value == None ? null : TimeSpan.FromTicks(value);
    }
}
