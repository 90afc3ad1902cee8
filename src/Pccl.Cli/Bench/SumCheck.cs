namespace Pccl.Cli.Bench;

/// <summary>
/// Checks a float32 sum all-reduce against the exact sum of every peer's input (added in double), block by block, and
/// keeps the largest error seen and the tolerance it must stay within.
/// </summary>
/// <remarks>
/// <para>The tolerance, for N peers whose inputs span R = Σ (max − min) and reach M = Σ max |x|:</para>
/// <list type="bullet">
/// <item>Min-max quantization with L = 255 (u8) or 65535 (u16) levels: a result passes through at most N roundings (the
/// ring's N − 1 quantized hops and the slice owner's final dequantize(quantize(x)); halving-doubling at four peers has
/// three), each within half a step of its piece's range, (max − min) / (2L). This check keeps each peer's range over its
/// whole input, not per piece: every piece's range is within it, so R bounds a piece of partial sums too (plus the errors
/// already in it), and the sum of those roundings is at most q = N·R / (2L − N). For inputs whose pieces span much less
/// than the whole buffer this tolerance is looser than the quantization's own bound.</item>
/// <item>Float rounding: each hop adds and rounds once and a decode rounds once, at most 2N roundings of a value no larger
/// than M + q, each within 2⁻²⁴ of it.</item>
/// <item>Inputs that are small integers without quantization (the bench's pattern) sum exactly in any order: the
/// tolerance is 0 and the result must equal the sum bit for bit.</item>
/// </list>
/// </remarks>
internal sealed class SumCheck
{
    private const double FloatUnitRoundoff = 1.0 / (1 << 24);

    private readonly int _peers;
    private readonly QuantizationMode _quantization;
    private readonly bool _exact;
    private readonly double[] _min;
    private readonly double[] _max;

    /// <param name="peers">Inputs that are summed.</param>
    /// <param name="quantization">The wire's quantization.</param>
    /// <param name="integerInputs">Every input is a small integer, so the plain sum is exact.</param>
    public SumCheck(int peers, QuantizationMode quantization, bool integerInputs)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(peers, 1);
        _peers = peers;
        _quantization = quantization;
        _exact = integerInputs && quantization == QuantizationMode.None;
        _min = [.. Enumerable.Repeat(double.PositiveInfinity, peers)];
        _max = [.. Enumerable.Repeat(double.NegativeInfinity, peers)];
    }

    /// <summary>The largest |result − exact sum| compared so far (infinity for a NaN or infinite result).</summary>
    public double MaxError { get; private set; }

    /// <summary>Elements compared so far.</summary>
    public long Compared { get; private set; }

    /// <summary>The index, among the elements compared, of the one with <see cref="MaxError"/>; -1 before any.</summary>
    public long Worst { get; private set; } = -1;

    /// <summary>How far a correct result may be from the exact sum, for the inputs seen so far.</summary>
    public double Tolerance
    {
        get
        {
            if (_exact)
            {
                return 0;
            }

            double range = 0, magnitude = 0;
            for (var p = 0; p < _peers; p++)
            {
                if (_max[p] < _min[p])
                {
                    continue; // no input of this peer seen yet
                }

                range += _max[p] - _min[p];
                magnitude += Math.Max(Math.Abs(_min[p]), Math.Abs(_max[p]));
            }

            var levels = _quantization switch
            {
                QuantizationMode.MinMaxU8 => 255.0,
                QuantizationMode.MinMaxU16 => 65535.0,
                _ => double.PositiveInfinity,
            };
            var quantized = _peers * range / ((2 * levels) - _peers);
            return quantized + (2 * _peers * FloatUnitRoundoff * (magnitude + quantized));
        }
    }

    /// <summary>Every element compared so far is within <see cref="Tolerance"/> of the exact sum, and there was at least one.</summary>
    public bool Passed => Compared > 0 && MaxError <= Tolerance;

    /// <summary>Takes one block of one peer's input into the ranges that set the tolerance (peer: 0 to N − 1).</summary>
    public void AddInput(int peer, ReadOnlySpan<float> input)
    {
        foreach (var x in input)
        {
            _min[peer] = Math.Min(_min[peer], x);
            _max[peer] = Math.Max(_max[peer], x);
        }
    }

    /// <summary>Compares one block of the result with the exact sum of the same block of every input.</summary>
    public void Compare(ReadOnlySpan<float> result, ReadOnlySpan<double> exactSum)
    {
        if (result.Length != exactSum.Length)
        {
            throw new ArgumentException($"result block of {result.Length} elements against {exactSum.Length} sums", nameof(exactSum));
        }

        for (var i = 0; i < result.Length; i++)
        {
            var error = Math.Abs(result[i] - exactSum[i]);
            if (!double.IsFinite(error))
            {
                error = double.PositiveInfinity;
            }

            if (error > MaxError || Worst < 0)
            {
                MaxError = error;
                Worst = Compared + i;
            }
        }

        Compared += result.Length;
    }
}
