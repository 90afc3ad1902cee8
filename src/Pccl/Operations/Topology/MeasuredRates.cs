using System.Collections.Concurrent;

namespace Pccl.Operations.Topology;

/// <summary>
/// The rates this peer measured to other peers, by peer id: what a lane to that peer is striped for
/// (<see cref="Collectives.StripeCount"/>). A topology optimisation vote measures actively (<see cref="BandwidthProbe"/>):
/// the newest such measurement counts, and a failed one forgets the pair's rate. Ring operations measure passively
/// (<see cref="Collectives.HopGoodput"/>): the first gives a peer nobody measured its rate, and a later one raises it
/// only when its stripes were the limit (so more of them would carry more); an operation never lowers a rate, so the
/// stripe count settles instead of following every slower operation.
/// </summary>
internal sealed class MeasuredRates
{
    private readonly ConcurrentDictionary<ulong, long> _bitsPerSecond = new();

    public void Record(ulong peer, double bytesPerSecond)
    {
        if (bytesPerSecond > 0)
        {
            _bitsPerSecond[peer] = (long)(bytesPerSecond * 8);
        }
        else
        {
            _bitsPerSecond.TryRemove(peer, out _);
        }
    }

    /// <summary>Takes what an operation measured of the path to <paramref name="peer"/>; returns whether the peer's rate changed.</summary>
    public bool Observe(ulong peer, Collectives.HopGoodput goodput)
    {
        while (true)
        {
            if (!_bitsPerSecond.TryGetValue(peer, out var known))
            {
                if (_bitsPerSecond.TryAdd(peer, goodput.BitsPerSecond))
                {
                    return true;
                }

                continue;
            }

            if (!goodput.WindowBound || goodput.BitsPerSecond <= known)
            {
                return false;
            }

            if (_bitsPerSecond.TryUpdate(peer, goodput.BitsPerSecond, known))
            {
                return true;
            }
        }
    }

    /// <summary>The rate last measured to <paramref name="peer"/>, in bits per second; null when none was.</summary>
    public long? BitsPerSecondTo(ulong peer) => _bitsPerSecond.TryGetValue(peer, out var rate) ? rate : null;
}
