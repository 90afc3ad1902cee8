namespace Pccl.Master.Core.Topology;

/// <summary>
/// Measured throughput between the peers of one group, per direction: bytes per second from one peer to another, or
/// unusable when the pair could not connect. Entries of a departed peer are forgotten.
/// </summary>
internal sealed class BandwidthMatrix
{
    /// <summary>The cost of a pair that cannot carry data: far above any tour of usable pairs, so a ring avoids it when it can.</summary>
    public const double UnusableCost = 1e6;

    private readonly Dictionary<(ulong From, ulong To), double> _bytesPerSecond = [];

    /// <summary>Every measured pair; 0 bytes per second marks a pair that could not connect.</summary>
    public IReadOnlyDictionary<(ulong From, ulong To), double> Entries => _bytesPerSecond;

    public bool Knows(ulong from, ulong to) => _bytesPerSecond.ContainsKey((from, to));

    /// <summary>Records a measurement; a rate that is not a positive finite number marks the pair unusable.</summary>
    public void Record(ulong from, ulong to, double bytesPerSecond) =>
        _bytesPerSecond[(from, to)] = double.IsFinite(bytesPerSecond) && bytesPerSecond > 0 ? bytesPerSecond : 0;

    public void MarkUnusable(ulong from, ulong to) => _bytesPerSecond[(from, to)] = 0;

    public void Forget(ulong peer)
    {
        foreach (var key in _bytesPerSecond.Keys.Where(k => k.From == peer || k.To == peer).ToList())
        {
            _bytesPerSecond.Remove(key);
        }
    }

    /// <summary>
    /// The cost matrix over <paramref name="peers"/> (indices as listed): time per byte relative to the fastest measured
    /// pair, <see cref="UnusableCost"/> for a pair that could not connect, and the slowest measured cost for a pair
    /// never measured (it counts against a ring without forbidding it).
    /// </summary>
    public double[,] Costs(IReadOnlyList<ulong> peers)
    {
        var n = peers.Count;
        var rates = new double?[n, n];
        var fastest = 0.0;
        var slowest = double.PositiveInfinity;
        for (var i = 0; i < n; i++)
        {
            for (var j = 0; j < n; j++)
            {
                if (i != j && _bytesPerSecond.TryGetValue((peers[i], peers[j]), out var rate))
                {
                    rates[i, j] = rate;
                    if (rate > 0)
                    {
                        fastest = Math.Max(fastest, rate);
                        slowest = Math.Min(slowest, rate);
                    }
                }
            }
        }

        var costs = new double[n, n];
        for (var i = 0; i < n; i++)
        {
            for (var j = 0; j < n; j++)
            {
                costs[i, j] = i == j ? 0 : rates[i, j] switch
                {
                    > 0 and var rate => fastest / rate,
                    0 => UnusableCost,
                    _ => fastest > 0 ? fastest / slowest : 1,
                };
            }
        }

        return costs;
    }
}
