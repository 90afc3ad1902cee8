using System.Runtime.InteropServices;
using Pccl.Operations.Collectives.Kernels;
using Pccl.Protocol.Messages;

namespace Pccl.Tests.Kernels;

public class LosslessCodecTests
{
    public static TheoryData<int> Types() => new(KernelTestData.AllTypes.Select(t => (int)t));

    [Theory]
    [MemberData(nameof(Types))]
    public void RandomZeroAndTinyPiecesRoundTrip(int typeCode)
    {
        var type = (DataType)typeCode;
        foreach (int count in new[] { 0, 1, 3, 1025, 70_000 })
        {
            byte[] random = KernelTestData.Random(type, count, seed: count);
            RoundTrip(type, random);
            byte[] zeros = new byte[random.Length];
            int written = RoundTrip(type, zeros);
            if (count >= 1025)
            {
                Assert.True(written < zeros.Length / 20, $"{count} zero {type} elements encoded to {written} bytes");
            }
        }
    }

    [Theory]
    [InlineData(DataType.F32)]
    [InlineData(DataType.F64)]
    [InlineData(DataType.F16)]
    [InlineData(DataType.Bf16)]
    internal void SmoothFloatsShrink(DataType type)
    {
        const int count = 65_536;
        byte[] smooth = new byte[count * ReduceKernels.ElementSize(type)];
        for (int i = 0; i < count; i++)
        {
            KernelTestData.SetDouble(type, smooth, i, 1000 + Math.Round(Math.Sin(i / 5000.0) * 64));
        }

        int written = RoundTrip(type, smooth, out byte flag);

        Assert.Equal(LosslessCodec.PlanesLz4, flag);
        Assert.True(written < smooth.Length / 2, $"smooth {type} encoded to {written} of {smooth.Length} bytes");
    }

    [Fact]
    public void IncompressibleDataFallsBackToRaw()
    {
        byte[] noise = new byte[1 << 16];
        new Random(9).NextBytes(noise);

        int written = RoundTrip(DataType.F32, noise, out byte flag);

        Assert.Equal(LosslessCodec.Raw, flag);
        Assert.Equal(LosslessCodec.MaxEncodedSize(noise.Length), written);
    }

    [Fact]
    public void CorruptInputIsAProtocolViolation()
    {
        float[] values = Enumerable.Repeat(1f, 4096).ToArray();
        byte[] source = MemoryMarshal.AsBytes(values.AsSpan()).ToArray();
        byte[] encoded = new byte[LosslessCodec.MaxEncodedSize(source.Length)];
        int written = LosslessCodec.Encode(DataType.F32, source, encoded);
        byte[] target = new byte[source.Length];

        AssertViolation(() => LosslessCodec.Decode(DataType.F32, encoded.AsSpan(0, written - 3), target));
        AssertViolation(() => LosslessCodec.Decode(DataType.F32, encoded.AsSpan(0, written), new byte[source.Length - 4]));
        AssertViolation(() => LosslessCodec.Decode(DataType.F32, [], target));
        AssertViolation(() => LosslessCodec.Decode(DataType.F32, [7, 1, 2, 3], target));
        AssertViolation(() => LosslessCodec.Decode(DataType.F32, [LosslessCodec.Raw, 1, 2, 3], target));
    }

    [Fact]
    public void RejectsShortDestinations()
    {
        Assert.Throws<ArgumentException>(() => LosslessCodec.Encode(DataType.F32, new byte[16], new byte[16]));
        Assert.Throws<ArgumentException>(() => LosslessCodec.Encode(DataType.F32, new byte[15], new byte[64]));
    }

    private static void AssertViolation(Action decode) =>
        Assert.Equal(PcclErrorCode.ProtocolViolation, Assert.Throws<PcclException>(decode).Code);

    private static int RoundTrip(DataType type, byte[] source) => RoundTrip(type, source, out _);

    private static int RoundTrip(DataType type, byte[] source, out byte flag)
    {
        byte[] encoded = new byte[LosslessCodec.MaxEncodedSize(source.Length)];
        int written = LosslessCodec.Encode(type, source, encoded);
        Assert.InRange(written, 1, encoded.Length);
        byte[] decoded = new byte[source.Length];

        Assert.Equal(source.Length, LosslessCodec.Decode(type, encoded.AsSpan(0, written), decoded));

        Assert.Equal(source, decoded);
        flag = encoded[0];
        return written;
    }
}
