using Pccl.Protocol.Codec;

namespace Pccl.Tests.Protocol;

public class DataFrameHeaderTests
{
    private const int Max = 4 * 1024 * 1024;

    [Theory]
    [InlineData((byte)1, (ushort)0, 0U, 0UL, 0U, 0)]
    [InlineData((byte)2, ushort.MaxValue, uint.MaxValue, ulong.MaxValue, uint.MaxValue, Max)]
    [InlineData((byte)3, (ushort)0x1234, 7U, 0x0102030405060708UL, 3U, 17)]
    [InlineData((byte)4, (ushort)1, 1U, 1UL, 1U, 1)]
    public void RoundTripsEveryField(byte kind, ushort flags, uint tag, ulong sequence, uint piece, int length)
    {
        var header = new DataFrameHeader((DataFrameKind)kind, flags, tag, sequence, piece, length);
        var bytes = new byte[DataFrameHeader.Size];

        header.Write(bytes);

        Assert.Equal(header, DataFrameHeader.Read(bytes, Max));
    }

    [Fact]
    public void TheLayoutIsMarkerKindFlagsTagSequencePieceLengthLittleEndian()
    {
        var bytes = new byte[DataFrameHeader.Size];
        new DataFrameHeader(DataFrameKind.AllGather, 0x0201, 0x06050403, 0x0E0D0C0B0A090807, 0x1211100F, 0x16151413).Write(bytes);

        byte[] expected = [0xD7, 2, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0A, 0x0B, 0x0C, 0x0D, 0x0E, 0x0F, 0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16];
        Assert.Equal(expected, bytes);
    }

    [Fact]
    public void ATruncatedHeaderIsRejected()
    {
        var e = Assert.Throws<ProtocolException>(() => DataFrameHeader.Read(new byte[23], Max));

        Assert.Contains("truncated: 23 of 24 bytes", e.Message);
    }

    [Fact]
    public void AWrongMarkerSaysTheStreamIsOutOfStep()
    {
        var bytes = Valid();
        bytes[0] = 0x42;

        var e = Assert.Throws<ProtocolException>(() => DataFrameHeader.Read(bytes, Max));

        Assert.Contains("0x42", e.Message);
        Assert.Contains("out of step", e.Message);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(6)]
    [InlineData(255)]
    public void AnUnknownKindIsRejected(byte kind)
    {
        var bytes = Valid();
        bytes[1] = kind;

        var e = Assert.Throws<ProtocolException>(() => DataFrameHeader.Read(bytes, Max));

        Assert.Contains($"unknown data frame kind {kind}", e.Message);
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(int.MinValue)]
    [InlineData(Max + 1)]
    [InlineData(int.MaxValue)]
    public void ALengthOutsideTheLimitIsRejectedNamingBoth(int length)
    {
        var bytes = new byte[DataFrameHeader.Size];
        new DataFrameHeader(DataFrameKind.ReduceScatter, 0, 1, 1, 0, length).Write(bytes);

        var e = Assert.Throws<ProtocolException>(() => DataFrameHeader.Read(bytes, Max));

        Assert.Contains($"length {length} outside 0..{Max}", e.Message);
    }

    [Fact]
    public void ExtraBytesAfterTheHeaderAreIgnored()
    {
        byte[] bytes = [.. Valid(), 0xFF, 0xFF];

        Assert.Equal(DataFrameKind.ReduceScatter, DataFrameHeader.Read(bytes, Max).Kind);
    }

    private static byte[] Valid()
    {
        var bytes = new byte[DataFrameHeader.Size];
        new DataFrameHeader(DataFrameKind.ReduceScatter, 0, 1, 1, 0, 10).Write(bytes);
        return bytes;
    }
}
