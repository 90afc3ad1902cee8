using Pccl.Cli.Bench;

namespace Pccl.IntegrationTests.Bench;

/// <summary>The bench's value check (src/Pccl.Cli/Bench/SumCheck.cs, compiled in) on right and corrupted results.</summary>
public class SumCheckTests
{
    private const int Peers = 3;

    [Fact]
    public void AnExactSumPassesAndOneUlpOffInOneElementFails()
    {
        var input = Enumerable.Range(0, 10_000).Select(i => (float)(1 + (i % 7))).ToArray();
        var exact = input.Select(x => Peers * (double)x).ToArray();
        var result = exact.Select(x => (float)x).ToArray();

        var right = Check(QuantizationMode.None, integerInputs: true, [input, input, input], result, exact);
        result[4321] = MathF.BitIncrement(result[4321]);
        var wrong = Check(QuantizationMode.None, integerInputs: true, [input, input, input], result, exact);

        Assert.True(right.Passed);
        Assert.Equal(0, right.MaxError);
        Assert.Equal(0, right.Tolerance);
        Assert.False(wrong.Passed);
        Assert.Equal(4321, wrong.Worst);
    }

    [Theory]
    [InlineData(QuantizationMode.None)]
    [InlineData(QuantizationMode.MinMaxU8)]
    [InlineData(QuantizationMode.MinMaxU16)]
    public void AResultWithinTheBoundPassesAndOneElementOutsideItFails(QuantizationMode quantization)
    {
        var random = new Random(11);
        var inputs = Enumerable.Range(0, Peers).Select(_ => Enumerable.Range(0, 5000).Select(_ => (float)(random.NextDouble() - 0.5)).ToArray()).ToArray();
        var exact = Enumerable.Range(0, 5000).Select(i => inputs.Sum(x => (double)x[i])).ToArray();
        var tolerance = Check(quantization, integerInputs: false, inputs, [.. exact.Select(x => (float)x)], exact).Tolerance;
        // ranges of about 1 per peer: u8 allows about 3 · 3 / 510, u16 256 times less, plain float a few ulps of 1.5
        Assert.InRange(tolerance, 1e-7, quantization == QuantizationMode.MinMaxU8 ? 0.02 : quantization == QuantizationMode.MinMaxU16 ? 1e-4 : 1e-6);

        var nearEdge = exact.Select(x => (float)(x + (0.5 * tolerance))).ToArray();
        var right = Check(quantization, integerInputs: false, inputs, nearEdge, exact);
        nearEdge[77] = (float)(exact[77] - (1.5 * tolerance));
        var wrong = Check(quantization, integerInputs: false, inputs, nearEdge, exact);

        Assert.True(right.Passed, $"{right.MaxError} against {right.Tolerance}");
        Assert.False(wrong.Passed);
        Assert.Equal(77, wrong.Worst);
    }

    [Fact]
    public void ANaNResultFailsAndNothingComparedIsNoPass()
    {
        float[] input = [1, 2, 3];
        double[] exact = [3, 6, 9];

        var nan = Check(QuantizationMode.MinMaxU8, integerInputs: true, [input, input, input], [3, float.NaN, 9], exact);

        Assert.False(nan.Passed);
        Assert.Equal(1, nan.Worst);
        Assert.Equal(double.PositiveInfinity, nan.MaxError);
        Assert.False(new SumCheck(Peers, QuantizationMode.None, integerInputs: true).Passed);
    }

    private static SumCheck Check(QuantizationMode quantization, bool integerInputs, float[][] inputs, float[] result, double[] exact)
    {
        var check = new SumCheck(inputs.Length, quantization, integerInputs);
        for (var p = 0; p < inputs.Length; p++)
        {
            check.AddInput(p, inputs[p]);
        }

        check.Compare(result, exact);
        return check;
    }
}
