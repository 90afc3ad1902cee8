using Pccl.Protocol.Codec;

namespace Pccl.Tests.Protocol;

public class PreambleTests
{
    [Theory]
    [InlineData(Preamble.CurrentVersion)]
    [InlineData((ushort)0)]
    [InlineData((ushort)0xBEEF)]
    public void WritesMagicAndBigEndianVersionAndReadsThemBack(ushort version)
    {
        var bytes = new byte[Preamble.Size];
        Preamble.Write(bytes, version);

        Assert.Equal("PCCL"u8.ToArray(), bytes[..4]);
        Assert.Equal(new[] { (byte)(version >> 8), (byte)version }, bytes[4..]);
        Assert.Equal(version, Preamble.Read(bytes));
    }

    [Fact]
    public void BadMagicIsRejectedShowingTheBytes()
    {
        var e = Assert.Throws<ProtocolException>(() => Preamble.Read("HTTP/1.1"u8));

        Assert.Contains("not a PCCL connection", e.Message);
        Assert.Contains("48545450", e.Message);
        Assert.DoesNotContain("TLS", e.Message);
    }

    [Fact]
    public void ATlsClientHelloGetsAHint()
    {
        byte[] clientHello = [0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00];

        var e = Assert.Throws<ProtocolException>(() => Preamble.Read(clientHello));

        Assert.Contains("16030102", e.Message);
        Assert.Contains("TLS handshake", e.Message);
        Assert.Contains("network.tls", e.Message);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(4)]
    [InlineData(5)]
    public void ATruncatedPreambleIsRejected(int length)
    {
        var e = Assert.Throws<ProtocolException>(() => Preamble.Read("PCCL\0\u0001"u8[..length]));

        Assert.Contains($"preamble truncated: {length} of 6 bytes", e.Message);
    }
}
