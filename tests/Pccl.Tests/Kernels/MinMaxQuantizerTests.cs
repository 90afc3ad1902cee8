using System.Buffers.Binary;
using Pccl.Operations.Collectives.Kernels;
using Pccl.Protocol.Messages;

namespace Pccl.Tests.Kernels;

public class MinMaxQuantizerTests
{
    public static TheoryData<int, int> TypeWidth()
    {
        var data = new TheoryData<int, int>();
        foreach (DataType type in KernelTestData.FloatTypes)
        {
            data.Add((int)type, (int)Quantization.MinMaxU8);
            data.Add((int)type, (int)Quantization.MinMaxU16);
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(TypeWidth))]
    public void RoundTripStaysWithinHalfAStep(int typeCode, int quantizationCode)
    {
        var (type, q) = ((DataType)typeCode, (Quantization)quantizationCode);
        double levels = q == Quantization.MinMaxU8 ? 255 : 65535;
        foreach (int count in new[] { 1, 3, 1025, 4000 })
        {
            byte[] values = KernelTestData.Random(type, count, seed: count, specials: false);
            byte[] encoded = new byte[MinMaxQuantizer.EncodedSize(type, q, count)];
            byte[] decoded = new byte[values.Length];

            MinMaxQuantizer.Quantize(type, q, values, encoded);
            MinMaxQuantizer.Dequantize(type, q, encoded, decoded);

            double min = Enumerable.Range(0, count).Min(i => KernelTestData.GetDouble(type, values, i));
            double max = Enumerable.Range(0, count).Max(i => KernelTestData.GetDouble(type, values, i));
            Assert.Equal(min, BinaryPrimitives.ReadDoubleLittleEndian(encoded));
            Assert.Equal(max, BinaryPrimitives.ReadDoubleLittleEndian(encoded.AsSpan(8)));
            double bound = ((max - min) / (2 * levels)) + RoundingSlack(type, Math.Max(Math.Abs(min), Math.Abs(max)));
            for (int i = 0; i < count; i++)
            {
                double error = Math.Abs(KernelTestData.GetDouble(type, values, i) - KernelTestData.GetDouble(type, decoded, i));
                Assert.True(error <= bound, $"{type}/{q} element {i} of {count}: error {error} exceeds {bound}");
            }
        }
    }

    [Theory]
    [MemberData(nameof(TypeWidth))]
    public void ConstantPiecesAreExact(int typeCode, int quantizationCode)
    {
        var (type, q) = ((DataType)typeCode, (Quantization)quantizationCode);
        const int count = 1500;
        byte[] fortyTwo = Constant(type, count, 42);
        byte[] fortyThree = Constant(type, count, 43);
        byte[] encoded = new byte[MinMaxQuantizer.EncodedSize(type, q, count)];
        byte[] decoded = new byte[fortyTwo.Length];

        MinMaxQuantizer.Quantize(type, q, fortyThree, encoded);
        MinMaxQuantizer.Dequantize(type, q, encoded, decoded);
        MinMaxQuantizer.DequantizeCombine(type, q, ReduceOp.Sum, fortyTwo, encoded, fortyTwo);

        Assert.Equal(Constant(type, count, 43), decoded);
        Assert.Equal(Constant(type, count, 85), fortyTwo);
    }

    [Theory]
    [MemberData(nameof(TypeWidth))]
    public void DequantizeCombineEqualsDequantizeThenCombineInPlaceOrApart(int typeCode, int quantizationCode)
    {
        var (type, q) = ((DataType)typeCode, (Quantization)quantizationCode);
        foreach (ReduceOp op in KernelTestData.AllOps)
        {
            foreach (int count in new[] { 1, 1024, 3001 })
            {
                byte[] acc = KernelTestData.Random(type, count, seed: count, specials: true);
                byte[] values = KernelTestData.Random(type, count, seed: count + 1, specials: false);
                byte[] encoded = new byte[MinMaxQuantizer.EncodedSize(type, q, count)];
                MinMaxQuantizer.Quantize(type, q, values, encoded);
                byte[] decoded = new byte[values.Length];
                MinMaxQuantizer.Dequantize(type, q, encoded, decoded);
                byte[] expected = (byte[])acc.Clone();
                ReduceKernels.Accumulate(type, op, expected, decoded);
                byte[] input = (byte[])acc.Clone();
                byte[] apart = new byte[acc.Length];

                MinMaxQuantizer.DequantizeCombine(type, q, op, acc, encoded, apart);
                Assert.Equal(input, acc);
                Assert.Equal(expected, apart);

                MinMaxQuantizer.DequantizeCombine(type, q, op, acc, encoded, acc);
                Assert.Equal(expected, acc);
            }
        }
    }

    [Theory]
    [MemberData(nameof(TypeWidth))]
    public void EncodingIsDeterministicAndSized(int typeCode, int quantizationCode)
    {
        var (type, q) = ((DataType)typeCode, (Quantization)quantizationCode);
        byte[] values = KernelTestData.Random(type, 777, seed: 3, specials: false);
        byte[] first = new byte[MinMaxQuantizer.EncodedSize(type, q, 777)];
        byte[] second = new byte[first.Length];

        MinMaxQuantizer.Quantize(type, q, values, first);
        MinMaxQuantizer.Quantize(type, q, values, second);

        Assert.Equal(first, second);
        Assert.Equal(MinMaxQuantizer.HeaderSize + (777 * (q == Quantization.MinMaxU8 ? 1 : 2)), first.Length);
    }

    [Theory]
    [InlineData(DataType.F32)]
    [InlineData(DataType.F64)]
    [InlineData(DataType.F16)]
    [InlineData(DataType.Bf16)]
    internal void NonFiniteRangesDecodeToNaNUnlessConstant(DataType type)
    {
        foreach (double special in new[] { double.NaN, double.PositiveInfinity })
        {
            byte[] values = KernelTestData.Random(type, 10, seed: 1, specials: false);
            KernelTestData.SetDouble(type, values, 4, special);
            byte[] encoded = new byte[MinMaxQuantizer.EncodedSize(type, Quantization.MinMaxU8, 10)];
            byte[] decoded = new byte[values.Length];
            MinMaxQuantizer.Quantize(type, Quantization.MinMaxU8, values, encoded);
            MinMaxQuantizer.Dequantize(type, Quantization.MinMaxU8, encoded, decoded);
            Assert.All(Enumerable.Range(0, 10), i => Assert.True(double.IsNaN(KernelTestData.GetDouble(type, decoded, i))));
        }

        byte[] infinities = Constant(type, 5, double.NegativeInfinity);
        byte[] code = new byte[MinMaxQuantizer.EncodedSize(type, Quantization.MinMaxU16, 5)];
        byte[] back = new byte[infinities.Length];
        MinMaxQuantizer.Quantize(type, Quantization.MinMaxU16, infinities, code);
        MinMaxQuantizer.Dequantize(type, Quantization.MinMaxU16, code, back);
        Assert.Equal(infinities, back);
    }

    [Fact]
    public void RangesNearTheDoubleLimitDoNotOverflow()
    {
        double[] values = [-1.5e308, 1.5e308, 0, 1e307, -3e307];
        byte[] bytes = new byte[values.Length * 8];
        Buffer.BlockCopy(values, 0, bytes, 0, bytes.Length);
        byte[] encoded = new byte[MinMaxQuantizer.EncodedSize(DataType.F64, Quantization.MinMaxU16, values.Length)];
        byte[] decoded = new byte[bytes.Length];

        MinMaxQuantizer.Quantize(DataType.F64, Quantization.MinMaxU16, bytes, encoded);
        MinMaxQuantizer.Dequantize(DataType.F64, Quantization.MinMaxU16, encoded, decoded);

        double bound = (1.5e308 / 65535) * 1.000001; // (max - min) / (2 L) without overflowing
        for (int i = 0; i < values.Length; i++)
        {
            double got = KernelTestData.GetDouble(DataType.F64, decoded, i);
            Assert.True(double.IsFinite(got) && Math.Abs(got - values[i]) <= bound, $"element {i}: {got} vs {values[i]}");
        }
        Assert.Equal(-1.5e308, KernelTestData.GetDouble(DataType.F64, decoded, 0));
    }

    [Fact]
    public void RejectsUnsupportedTypesAndWrongSizes()
    {
        Assert.False(MinMaxQuantizer.IsSupported(DataType.I32, Quantization.MinMaxU8));
        Assert.False(MinMaxQuantizer.IsSupported(DataType.F32, Quantization.None));
        Assert.Throws<ArgumentException>(() => MinMaxQuantizer.EncodedSize(DataType.I32, Quantization.MinMaxU8, 4));
        Assert.Throws<ArgumentException>(() => MinMaxQuantizer.Quantize(DataType.F32, Quantization.None, new byte[8], new byte[64]));
        Assert.Throws<ArgumentException>(() => MinMaxQuantizer.Quantize(DataType.F32, Quantization.MinMaxU8, new byte[8], new byte[17]));
        Assert.Throws<ArgumentException>(() => MinMaxQuantizer.Quantize(DataType.F32, Quantization.MinMaxU8, new byte[7], new byte[64]));
        Assert.Throws<ArgumentException>(() => MinMaxQuantizer.Dequantize(DataType.F32, Quantization.MinMaxU8, new byte[19], new byte[8]));
        Assert.Throws<ArgumentException>(() =>
            MinMaxQuantizer.DequantizeCombine(DataType.F32, Quantization.MinMaxU16, ReduceOp.Sum, new byte[8], new byte[19], new byte[8]));
    }

    private static byte[] Constant(DataType type, int count, double value)
    {
        byte[] bytes = new byte[count * ReduceKernels.ElementSize(type)];
        for (int i = 0; i < count; i++)
        {
            KernelTestData.SetDouble(type, bytes, i, value);
        }
        return bytes;
    }

    /// <summary>One unit in the last place of the element type at <paramref name="magnitude"/>, plus double noise.</summary>
    private static double RoundingSlack(DataType type, double magnitude)
    {
        int mantissaBits = type switch
        {
            DataType.F32 => 23,
            DataType.F64 => 52,
            DataType.F16 => 10,
            _ => 7,
        };
        return (magnitude * Math.Pow(2, -mantissaBits)) + (magnitude * 1e-15);
    }
}
