namespace Pccl.Cli.Bench;

/// <summary>
/// Gradient-like bench input: normally distributed floats (σ = 0.01), a fixed stream per peer and iteration. Filling
/// block after block gives the same values as one fill of the whole buffer, so a checker can rebuild every peer's input
/// a block at a time.
/// </summary>
internal sealed class GradientSource(ulong peer, int iteration)
{
    private readonly Random _random = new(Seed(peer, iteration));
    private float? _spare;

    /// <summary>Mixes both into one seed (splitmix64 steps), so distinct pairs give unrelated streams.</summary>
    private static int Seed(ulong peer, int iteration)
    {
        var z = Mix(Mix(peer) ^ (ulong)(long)iteration);
        return (int)(z ^ (z >> 32));
    }

    private static ulong Mix(ulong x)
    {
        var z = x + 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    /// <summary>Writes the next <c>destination.Length</c> values of the stream.</summary>
    public void Fill(Span<float> destination)
    {
        var i = 0;
        if (_spare is { } spare && destination.Length > 0)
        {
            destination[i++] = spare;
            _spare = null;
        }

        for (; i < destination.Length; i += 2)
        {
            // Box-Muller: one pair of normal values per two uniform draws
            var u1 = 1.0 - _random.NextDouble();
            var u2 = _random.NextDouble();
            var r = Math.Sqrt(-2 * Math.Log(u1)) * 0.01;
            destination[i] = (float)(r * Math.Cos(2 * Math.PI * u2));
            var second = (float)(r * Math.Sin(2 * Math.PI * u2));
            if (i + 1 < destination.Length)
            {
                destination[i + 1] = second;
            }
            else
            {
                _spare = second;
            }
        }
    }
}
