using System.Runtime.InteropServices;
using Pccl.Operations.Collectives.Kernels;
using Pccl.Protocol.Messages;

namespace Pccl.Tests.Kernels;

public class ReduceKernelsTests
{
    public static TheoryData<int, int, int> TypeOpLength()
    {
        var data = new TheoryData<int, int, int>();
        foreach (DataType type in KernelTestData.AllTypes)
        {
            foreach (ReduceOp op in KernelTestData.AllOps)
            {
                foreach (int length in new[] { 1, 3, 1025, 2500 })
                {
                    data.Add((int)type, (int)op, length);
                }
            }
        }
        return data;
    }

    public static TheoryData<int> Types() => new(KernelTestData.AllTypes.Select(t => (int)t));

    [Theory]
    [MemberData(nameof(TypeOpLength))]
    public void AccumulateMatchesScalarReference(int typeCode, int opCode, int length)
    {
        var (type, op) = ((DataType)typeCode, (ReduceOp)opCode);
        byte[] acc = KernelTestData.Random(type, length, seed: length);
        byte[] incoming = KernelTestData.Random(type, length, seed: length + 1000);
        byte[] expected = ScalarReference.Combine(type, op, acc, incoming);

        ReduceKernels.Accumulate(type, op, acc, incoming);

        KernelTestData.AssertSameElements(type, expected, acc);
    }

    [Theory]
    [MemberData(nameof(TypeOpLength))]
    public void CombineOnUnalignedSpansMatchesScalarReference(int typeCode, int opCode, int length)
    {
        var (type, op) = ((DataType)typeCode, (ReduceOp)opCode);
        byte[] a = KernelTestData.Random(type, length, seed: 7 * length);
        byte[] b = KernelTestData.Random(type, length, seed: (7 * length) + 1);
        byte[] expected = ScalarReference.Combine(type, op, a, b);
        byte[] shifted = new byte[a.Length + 3];

        ReduceKernels.Combine(type, op, a, b, shifted.AsSpan(3));

        KernelTestData.AssertSameElements(type, expected, shifted.AsSpan(3));
    }

    [Theory]
    [MemberData(nameof(Types))]
    public void CombineMayWriteOverEitherOperand(int typeCode)
    {
        var type = (DataType)typeCode;
        byte[] a = KernelTestData.Random(type, 1025, seed: 1);
        byte[] b = KernelTestData.Random(type, 1025, seed: 2);
        byte[] expected = ScalarReference.Combine(type, ReduceOp.Sum, a, b);
        byte[] intoA = (byte[])a.Clone();
        byte[] intoB = (byte[])b.Clone();

        ReduceKernels.Combine(type, ReduceOp.Sum, intoA, b, intoA);
        ReduceKernels.Combine(type, ReduceOp.Sum, a, intoB, intoB);

        KernelTestData.AssertSameElements(type, expected, intoA);
        KernelTestData.AssertSameElements(type, expected, intoB);
    }

    [Fact]
    public void CombineRejectsPartialOverlap()
    {
        byte[] buffer = new byte[64];
        Assert.Throws<ArgumentException>(() =>
            ReduceKernels.Combine(DataType.F32, ReduceOp.Sum, buffer.AsSpan(0, 32), buffer.AsSpan(32, 32), buffer.AsSpan(4, 32)));
    }

    [Theory]
    [InlineData(DataType.F32, 6)]
    [InlineData(DataType.F64, 12)]
    [InlineData(DataType.Bf16, 3)]
    [InlineData(DataType.U16, 1)]
    internal void RejectsPartialElements(DataType type, int bytes)
    {
        byte[] acc = new byte[bytes];
        Assert.Throws<ArgumentException>(() => ReduceKernels.Accumulate(type, ReduceOp.Sum, acc, new byte[bytes]));
        Assert.Throws<ArgumentException>(() => ReduceKernels.FinishAverage(type, acc, 2));
    }

    [Fact]
    public void RejectsMismatchedLengthsAndUnknownEnums()
    {
        Assert.Throws<ArgumentException>(() => ReduceKernels.Accumulate(DataType.F32, ReduceOp.Sum, new byte[8], new byte[4]));
        Assert.Throws<ArgumentException>(() => ReduceKernels.Accumulate(DataType.Unspecified, ReduceOp.Sum, new byte[8], new byte[8]));
        Assert.Throws<ArgumentException>(() => ReduceKernels.Accumulate(DataType.F32, ReduceOp.Unspecified, new byte[8], new byte[8]));
        Assert.Throws<ArgumentException>(() => ReduceKernels.Accumulate(DataType.Bf16, ReduceOp.Unspecified, new byte[8], new byte[8]));
        Assert.Throws<ArgumentOutOfRangeException>(() => ReduceKernels.FinishAverage(DataType.F32, new byte[8], 0));
    }

    [Theory]
    [InlineData(DataType.U8, 1)]
    [InlineData(DataType.I8, 1)]
    [InlineData(DataType.I16, 2)]
    [InlineData(DataType.U16, 2)]
    [InlineData(DataType.F16, 2)]
    [InlineData(DataType.Bf16, 2)]
    [InlineData(DataType.F32, 4)]
    [InlineData(DataType.I64, 8)]
    [InlineData(DataType.F64, 8)]
    internal void ElementSizes(DataType type, int size) => Assert.Equal(size, ReduceKernels.ElementSize(type));

    [Fact]
    public void IntegerSumWraps()
    {
        byte[] acc = [250, 0x7F];
        ReduceKernels.Accumulate(DataType.U8, ReduceOp.Sum, acc, new byte[] { 10, 1 });
        Assert.Equal(new byte[] { 4, 0x80 }, acc);

        byte[] signed = [0x7F];
        ReduceKernels.Accumulate(DataType.I8, ReduceOp.Sum, signed, new byte[] { 1 });
        Assert.Equal(sbyte.MinValue, (sbyte)signed[0]);
    }

    [Fact]
    public void FloatMaxAndMinPropagateNaNAndOrderSignedZeros()
    {
        float[] acc = [float.NaN, 1f, -0f, 0f, 2f];
        float[] incoming = [1f, float.NaN, 0f, -0f, 3f];
        float[] min = (float[])acc.Clone();

        ReduceKernels.Accumulate(DataType.F32, ReduceOp.Max, MemoryMarshal.AsBytes(acc.AsSpan()), MemoryMarshal.AsBytes(incoming.AsSpan()));
        ReduceKernels.Accumulate(DataType.F32, ReduceOp.Min, MemoryMarshal.AsBytes(min.AsSpan()), MemoryMarshal.AsBytes(incoming.AsSpan()));

        Assert.True(float.IsNaN(acc[0]) && float.IsNaN(acc[1]));
        Assert.True(float.IsPositive(acc[2]) && float.IsPositive(acc[3]));
        Assert.Equal(3f, acc[4]);
        Assert.True(float.IsNaN(min[0]) && float.IsNaN(min[1]));
        Assert.True(float.IsNegative(min[2]) && float.IsNegative(min[3]));
        Assert.Equal(2f, min[4]);
    }

    [Theory]
    [MemberData(nameof(Types))]
    public void FinishAverageMatchesScalarReference(int typeCode)
    {
        var type = (DataType)typeCode;
        foreach (int worldSize in new[] { 1, 3, 7, 128, 200, 1000 })
        {
            foreach (int length in new[] { 1, 3, 1025, 2500 })
            {
                byte[] data = KernelTestData.Random(type, length, seed: worldSize + length);
                byte[] expected = ScalarReference.Average(type, data, worldSize);

                ReduceKernels.FinishAverage(type, data, worldSize);

                KernelTestData.AssertSameElements(type, expected, data);
            }
        }
    }

    [Fact]
    public void FinishAverageTruncatesTowardZeroEvenWhenWorldExceedsTheType()
    {
        byte[] data = [unchecked((byte)(sbyte)-128), unchecked((byte)(sbyte)-7), 7];
        ReduceKernels.FinishAverage(DataType.I8, data, 128);
        Assert.Equal(new sbyte[] { -1, 0, 0 }, data.Select(b => (sbyte)b).ToArray());

        byte[] small = [unchecked((byte)(sbyte)-7), 7];
        ReduceKernels.FinishAverage(DataType.I8, small, 2);
        Assert.Equal(new sbyte[] { -3, 3 }, small.Select(b => (sbyte)b).ToArray());
    }

    [Fact]
    public void AverageOfHalvesRoundsOnce()
    {
        Half[] acc = [(Half)1, (Half)2049, (Half)0.1];
        Half[] incoming = [(Half)2, (Half)2, (Half)0.2];
        Span<byte> bytes = MemoryMarshal.AsBytes(acc.AsSpan());

        ReduceKernels.Accumulate(DataType.F16, ReduceOp.Avg, bytes, MemoryMarshal.AsBytes(incoming.AsSpan()));
        ReduceKernels.FinishAverage(DataType.F16, bytes, 2);

        Assert.Equal((Half)1.5, acc[0]);
        Assert.Equal((Half)(((double)(Half)2049 + 2) / 2), acc[1]);
        Assert.Equal((Half)((double)((Half)((double)(Half)0.1 + (double)(Half)0.2)) / 2), acc[2]);
    }
}
