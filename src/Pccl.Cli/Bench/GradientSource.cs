namespace Pccl.Cli.Bench;

/// <summary>
/// Gradient-like bench input: normally distributed floats (σ = 0.01), a fixed stream per peer and iteration. Filling
/// block after block gives the same values as one fill of the whole buffer, so a checker can rebuild every peer's input
/// a block at a time.
/// </summary>
internal sealed class GradientSource(ulong peer, int iteration)
{
    private readonly Random _random = new((int)peer * 1000 + iteration + 7);
    private float? _spare;

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
