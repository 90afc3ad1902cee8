using Pccl.Protocol.Messages;
using Pccl.Transport;

namespace Pccl.Operations.Collectives.Hierarchical;

/// <summary>
/// What this peer's crossing rings of one hierarchical all-reduce carried, per level: the bytes their streams had
/// acknowledged over the time the streams were busy (<see cref="TcpProgress"/>), so a ring's wait for its partner does
/// not count as a slow path. The done report carries it to the master, which sums a region's peers into the rate of
/// the path they share (<see cref="Master.Core.Hierarchy.CrossingPathRates"/>). A level counts only where its rings
/// carried enough to measure a path (<see cref="HopGoodput"/>): a small operation's time is its round trips.
/// </summary>
internal sealed class CrossingMeter
{
    private readonly Lock _lock = new();
    private readonly Dictionary<uint, (long Bytes, TimeSpan Busy, TcpPath Path, int Stripes)> _levels = [];

    /// <summary>Each of <paramref name="stripes"/>' progress now (<see cref="Add"/> takes two such readings).</summary>
    public static TcpProgress?[] Progress(RingLink[] stripes) => [.. stripes.Select(s => s.Connection.MeasureProgress())];

    /// <summary>
    /// Adds one crossing ring at <paramref name="level"/>: its streams' progress <paramref name="before"/> and
    /// <paramref name="after"/> it (by stripe), and its first stream's <paramref name="path"/>. A ring whose progress
    /// the kernel could not tell adds nothing.
    /// </summary>
    public void Add(uint level, TcpProgress?[] before, TcpProgress?[] after, TcpPath path)
    {
        long bytes = 0;
        var busy = TimeSpan.Zero;
        for (var i = 0; i < before.Length; i++)
        {
            if (before[i] is not { } start || after[i] is not { } end)
            {
                return;
            }

            bytes += end.BytesAcked - start.BytesAcked;
            busy = TimeSpan.FromTicks(Math.Max(busy.Ticks, (end.Busy - start.Busy).Ticks));
        }

        lock (_lock)
        {
            var (sent, ran, _, _) = _levels.GetValueOrDefault(level);
            _levels[level] = (sent + bytes, ran + busy, path, before.Length);
        }
    }

    /// <summary>The rate of each level whose rings carried enough to measure it.</summary>
    public List<CrossingRate> Rates()
    {
        lock (_lock)
        {
            return [.. _levels
                .Select(l => (l.Key, Goodput: HopGoodput.Of(l.Value.Bytes, l.Value.Busy, l.Value.Path, l.Value.Stripes)))
                .Where(l => l.Goodput is not null)
                .Select(l => new CrossingRate { Level = l.Key, BitsPerSecond = (ulong)l.Goodput!.Value.BitsPerSecond })];
        }
    }
}
