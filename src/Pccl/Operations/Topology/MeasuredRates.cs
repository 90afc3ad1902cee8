using System.Collections.Concurrent;

namespace Pccl.Operations.Topology;

/// <summary>
/// The rates this peer measured to other peers, by peer id: what a lane to that peer is striped for
/// (<see cref="Collectives.StripeCount"/>). Two kinds of reading are kept apart and the larger counts. A topology
/// optimisation vote measures actively (<see cref="BandwidthProbe"/>): its newest reading replaces the one before, and
/// a failed one forgets the pair. Ring operations measure passively (<see cref="Collectives.HopGoodput"/>): the first
/// gives the peer its reading, and a later one raises it only when its stripes may have been the limit (more of them,
/// or a higher pace, would carry more); an operation never lowers it, so the stripe count settles instead of following every slower
/// operation.
/// </summary>
/// <remarks>
/// Both kinds count bytes that crossed the path, so each is a lower bound of what the path carries, and each reads low
/// for its own reason: a vote's second of eight streams ramping up and overfilling the path's queue, an operation's
/// fill and drain or windows too few for the path. Both are turned into stripes by one rule
/// (<see cref="Collectives.StripeCount"/>), under which a reading that its connections may have bounded asks for more
/// connections than it ran on, so neither kind can hold a lane at a count its own connections limited. The larger
/// reading is the closer bound; taking it means a vote never leaves a lane fewer stripes than the operations measured,
/// and the operations never undo a vote that read more than they did.
/// </remarks>
internal sealed class MeasuredRates
{
    private readonly ConcurrentDictionary<ulong, long> _voted = new();
    private readonly ConcurrentDictionary<ulong, long> _observed = new();

    /// <summary>Takes a vote's reading to <paramref name="peer"/>; zero or less (the pair could not measure) forgets every reading of it.</summary>
    public void Record(ulong peer, double bytesPerSecond)
    {
        if (bytesPerSecond > 0)
        {
            _voted[peer] = (long)(bytesPerSecond * 8);
        }
        else
        {
            _voted.TryRemove(peer, out _);
            _observed.TryRemove(peer, out _);
        }
    }

    /// <summary>Takes what an operation measured of the path to <paramref name="peer"/>; returns whether its passive reading changed.</summary>
    public bool Observe(ulong peer, Collectives.HopGoodput goodput)
    {
        while (true)
        {
            if (!_observed.TryGetValue(peer, out var known))
            {
                if (_observed.TryAdd(peer, goodput.BitsPerSecond))
                {
                    return true;
                }

                continue;
            }

            if (!goodput.StripesMayBeTheLimit || goodput.BitsPerSecond <= known)
            {
                return false;
            }

            if (_observed.TryUpdate(peer, goodput.BitsPerSecond, known))
            {
                return true;
            }
        }
    }

    /// <summary>The larger of the vote's and the operations' readings to <paramref name="peer"/>, in bits per second; null when neither measured it.</summary>
    public long? BitsPerSecondTo(ulong peer)
    {
        var voted = _voted.TryGetValue(peer, out var v) ? v : (long?)null;
        var observed = _observed.TryGetValue(peer, out var o) ? o : (long?)null;
        return voted is null ? observed : observed is null ? voted : Math.Max(voted.Value, observed.Value);
    }
}
