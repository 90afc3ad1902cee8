using System.Runtime.InteropServices;
using Pccl.Operations.Collectives.Kernels;

namespace Pccl.Tests.Kernels;

public class BFloat16Tests
{
    [Theory]
    [InlineData(1f, 0x3F80)]
    [InlineData(-2f, 0xC000)]
    [InlineData(1f + (1f / 256), 0x3F80)] // halfway, even below
    [InlineData(1f + (3f / 256), 0x3F82)] // halfway, even above
    [InlineData(1f + (1f / 256) + (1f / 65536), 0x3F81)] // just past halfway
    [InlineData(float.MaxValue, 0x7F80)] // rounds past the largest finite value
    [InlineData(float.NegativeInfinity, 0xFF80)]
    public void NarrowsToNearestEven(float value, int bits) => Assert.Equal((ushort)bits, ((BFloat16)value).Bits);

    [Fact]
    public void NaNWithPayloadOnlyInTheLowHalfStaysNaN()
    {
        float nan = BitConverter.UInt32BitsToSingle(0x7F80_0001);
        BFloat16 b = (BFloat16)nan;
        Assert.True(b.IsNaN);
        Assert.True(float.IsNaN(b));
    }

    [Fact]
    public void WideningIsExactAndEqualityFollowsFloat()
    {
        BFloat16 x = BFloat16.FromBits(0x4049); // 3.140625
        Assert.Equal(3.140625f, (float)x);
        Assert.True((BFloat16)0f == (BFloat16)(-0f));
        Assert.False(BFloat16.FromBits(0x7FC0) == BFloat16.FromBits(0x7FC0));
        Assert.True(BFloat16.FromBits(0x7FC0).Equals(BFloat16.FromBits(0x7FC0)));
        Assert.True((BFloat16)1f < (BFloat16)2f);
        Assert.Equal("3.140625", x.ToString());
    }

    [Fact]
    public void VectorConversionsMatchScalar()
    {
        var rng = new Random(5);
        uint[] bits = new uint[1031];
        for (int i = 0; i < bits.Length; i++)
        {
            bits[i] = (uint)rng.NextInt64(0, 1L << 32);
        }
        bits[0] = 0x7F80_0001; // signalling NaN with low payload
        bits[1] = 0x7F7F_FFFF; // float.MaxValue
        bits[2] = 0x3F80_8000; // tie
        float[] floats = MemoryMarshal.Cast<uint, float>(bits.AsSpan()).ToArray();
        byte[] narrowed = new byte[floats.Length * 2];

        BrainFloat.Narrow(floats, narrowed);
        float[] widened = new float[floats.Length];
        BrainFloat.Widen(narrowed, widened);

        ReadOnlySpan<ushort> got = MemoryMarshal.Cast<byte, ushort>(narrowed);
        for (int i = 0; i < floats.Length; i++)
        {
            Assert.Equal(((BFloat16)floats[i]).Bits, got[i]);
            Assert.Equal((uint)got[i] << 16, BitConverter.SingleToUInt32Bits(widened[i]));
        }
    }
}
