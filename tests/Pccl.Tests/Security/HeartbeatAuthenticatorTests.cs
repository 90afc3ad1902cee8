using Pccl.Transport.Security;

namespace Pccl.Tests.Security;

public sealed class HeartbeatAuthenticatorTests
{
    private static readonly HeartbeatAuthenticator Mac = new("cluster secret"u8);

    [Fact]
    public void SealedDatagram_Opens_WithItsPayloadLength()
    {
        var datagram = Sealed(out var length);

        Assert.Equal(24 + HeartbeatAuthenticator.MacSize, length);
        Assert.True(Mac.TryOpen(datagram.AsSpan(0, length), out var payloadLength));
        Assert.Equal(24, payloadLength);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(10)]
    [InlineData(23)]
    [InlineData(24)]
    [InlineData(39)]
    public void AnyFlippedBit_IsRejected(int index)
    {
        var datagram = Sealed(out var length);
        datagram[index] ^= 0x01;

        Assert.False(Mac.TryOpen(datagram.AsSpan(0, length), out _));
    }

    [Fact]
    public void MacFromAnotherSecret_IsRejected()
    {
        var datagram = Sealed(out var length);
        var other = new HeartbeatAuthenticator("another secret"u8);

        Assert.False(other.TryOpen(datagram.AsSpan(0, length), out _));
    }

    [Fact]
    public void TruncatedDatagram_IsRejected()
    {
        var datagram = Sealed(out var length);

        Assert.False(Mac.TryOpen(datagram.AsSpan(0, length - 1), out _));
        Assert.False(Mac.TryOpen(datagram.AsSpan(0, HeartbeatAuthenticator.MacSize - 1), out _));
    }

    [Fact]
    public void Seal_RequiresRoomForTheMac()
    {
        var tooSmall = new byte[24 + HeartbeatAuthenticator.MacSize - 1];

        Assert.Throws<ArgumentOutOfRangeException>(() => Mac.Seal(tooSmall, 24));
    }

    [Fact]
    public void SealAndOpen_DoNotAllocate()
    {
        var datagram = Sealed(out var length);
        Mac.TryOpen(datagram.AsSpan(0, length), out _);

        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 100; i++)
        {
            Mac.Seal(datagram, 24);
            Mac.TryOpen(datagram.AsSpan(0, length), out _);
        }

        Assert.Equal(before, GC.GetAllocatedBytesForCurrentThread());
    }

    private static byte[] Sealed(out int length)
    {
        var datagram = new byte[64];
        for (var i = 0; i < 24; i++)
        {
            datagram[i] = (byte)(i * 7);
        }

        length = Mac.Seal(datagram, 24);
        return datagram;
    }
}
