using System.Collections.Concurrent;

namespace Pccl.Operations.Topology;

/// <summary>
/// The rates this peer measured to other peers in topology optimisation votes (<see cref="BandwidthProbe"/>), by peer
/// id: what a lane to that peer is striped for (<see cref="Collectives.StripeCount"/>). The newest measurement counts; a
/// failed one forgets the pair's rate.
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

    /// <summary>The rate last measured to <paramref name="peer"/>, in bits per second; null when none was.</summary>
    public long? BitsPerSecondTo(ulong peer) => _bitsPerSecond.TryGetValue(peer, out var rate) ? rate : null;
}
