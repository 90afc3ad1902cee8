using System.Collections.Concurrent;

namespace Pccl.Operations.Topology;

/// <summary>
/// The rates this peer measured to other peers, by peer id: what a lane to that peer is striped for
/// (<see cref="Collectives.StripeCount"/>). Two kinds of reading are kept apart and the larger counts. A topology
/// optimisation vote measures actively (<see cref="BandwidthProbe"/>): its newest reading replaces the one before, and
/// a failed one forgets the pair. Ring operations measure passively (<see cref="Collectives.HopGoodput"/>): the first
/// gives the peer its reading, and a later one raises it only when its stripes may have been the limit (more of them,
/// or a higher pace, would carry more). A slower operation does not lower it, so the stripe count settles instead of
/// following every slow operation; only a path that got slower lowers it: <see cref="DropReadings"/> operations in a
/// row that carried under <see cref="DropShare"/> of it set it to the most any of them carried, and from there their
/// stripes and pace, if the path recovers, raise it again.
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
    /// <summary>Operations in a row that must carry under <see cref="DropShare"/> of the passive reading to lower it.</summary>
    public const int DropReadings = 3;

    /// <summary>
    /// The share of the passive reading under which an operation counts towards lowering it: below the spread of
    /// operations on an unchanged path (BBR's calls on one path read 0.74–0.95 of it), so only a slower path lowers it.
    /// </summary>
    public const double DropShare = 0.7;

    private readonly ConcurrentDictionary<ulong, long> _voted = new();
    private readonly Dictionary<ulong, Passive> _observed = [];
    private readonly Lock _gate = new();

    /// <summary>Takes a vote's reading to <paramref name="peer"/>; zero or less (the pair could not measure) forgets every reading of it.</summary>
    public void Record(ulong peer, double bytesPerSecond)
    {
        if (bytesPerSecond > 0)
        {
            _voted[peer] = (long)(bytesPerSecond * 8);
            return;
        }

        _voted.TryRemove(peer, out _);
        lock (_gate)
        {
            _observed.Remove(peer);
        }
    }

    /// <summary>Takes what an operation measured of the path to <paramref name="peer"/>; returns how its passive reading changed, null when it did not.</summary>
    public PassiveChange? Observe(ulong peer, Collectives.HopGoodput goodput)
    {
        lock (_gate)
        {
            if (!_observed.TryGetValue(peer, out var known))
            {
                _observed[peer] = new Passive(goodput.BitsPerSecond, 0, 0);
                return new PassiveChange(null, goodput.BitsPerSecond);
            }

            if (goodput.StripesMayBeTheLimit && goodput.BitsPerSecond > known.BitsPerSecond)
            {
                _observed[peer] = new Passive(goodput.BitsPerSecond, 0, 0);
                return new PassiveChange(known.BitsPerSecond, goodput.BitsPerSecond);
            }

            if (goodput.BitsPerSecond >= known.BitsPerSecond * DropShare)
            {
                _observed[peer] = known with { SlowReadings = 0, MostOfTheSlow = 0 };
                return null;
            }

            var slow = known with { SlowReadings = known.SlowReadings + 1, MostOfTheSlow = Math.Max(known.MostOfTheSlow, goodput.BitsPerSecond) };
            if (slow.SlowReadings < DropReadings)
            {
                _observed[peer] = slow;
                return null;
            }

            _observed[peer] = new Passive(slow.MostOfTheSlow, 0, 0);
            return new PassiveChange(known.BitsPerSecond, slow.MostOfTheSlow);
        }
    }

    /// <summary>The larger of the vote's and the operations' readings to <paramref name="peer"/>, in bits per second; null when neither measured it.</summary>
    public long? BitsPerSecondTo(ulong peer)
    {
        var voted = _voted.TryGetValue(peer, out var v) ? v : (long?)null;
        long? observed;
        lock (_gate)
        {
            observed = _observed.TryGetValue(peer, out var o) ? o.BitsPerSecond : null;
        }

        return voted is null ? observed : observed is null ? voted : Math.Max(voted.Value, observed.Value);
    }

    /// <summary>A peer's passive reading, and the operations in a row that carried under <see cref="DropShare"/> of it with the most any of them carried.</summary>
    private readonly record struct Passive(long BitsPerSecond, int SlowReadings, long MostOfTheSlow);

    /// <summary>How an operation changed a peer's passive reading: from <paramref name="From"/> (null: it had none) to <paramref name="To"/>, bits per second.</summary>
    public readonly record struct PassiveChange(long? From, long To)
    {
        /// <summary>Whether slow operations in a row lowered it (the path got slower).</summary>
        public bool Lowered => To < From;
    }
}
