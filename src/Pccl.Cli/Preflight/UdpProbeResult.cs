namespace Pccl.Cli.Preflight;

/// <summary>What a burst of UDP probes found: how many were sent, and the round trip of each answered one, in send order.</summary>
internal sealed record UdpProbeResult(int Sent, IReadOnlyList<double> RoundTripsMs)
{
    public int Answered => RoundTripsMs.Count;

    public double LossPercent => Sent == 0 ? 100 : 100.0 * (Sent - Answered) / Sent;

    public double MedianRttMs
    {
        get
        {
            var sorted = RoundTripsMs.Order().ToArray();
            return sorted.Length == 0 ? double.NaN : sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[sorted.Length / 2 - 1] + sorted[sorted.Length / 2]) / 2;
        }
    }

    /// <summary>Mean absolute difference between consecutive answered round trips (the inter-arrival jitter of RFC 3550, unsmoothed).</summary>
    public double JitterMs
    {
        get
        {
            if (RoundTripsMs.Count < 2)
            {
                return 0;
            }

            var sum = 0.0;
            for (var i = 1; i < RoundTripsMs.Count; i++)
            {
                sum += Math.Abs(RoundTripsMs[i] - RoundTripsMs[i - 1]);
            }

            return sum / (RoundTripsMs.Count - 1);
        }
    }
}
