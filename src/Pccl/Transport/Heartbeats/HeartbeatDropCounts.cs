namespace Pccl.Transport.Heartbeats;

/// <summary>Thread-safe counts of ignored datagrams by reason, for diagnostics and tests.</summary>
internal sealed class HeartbeatDropCounts
{
    private readonly long[] _counts = new long[Enum.GetValues<HeartbeatDrop>().Length];

    /// <summary>Datagrams dropped for <paramref name="reason"/> so far.</summary>
    public long this[HeartbeatDrop reason] => Interlocked.Read(ref _counts[(int)reason]);

    /// <summary>All dropped datagrams so far.</summary>
    public long Total => _counts.Select((_, i) => Interlocked.Read(ref _counts[i])).Sum();

    public void Add(HeartbeatDrop reason)
    {
        if (reason != HeartbeatDrop.None)
        {
            Interlocked.Increment(ref _counts[(int)reason]);
        }
    }
}
