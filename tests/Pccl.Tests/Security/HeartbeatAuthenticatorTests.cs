using Google.Protobuf;
using Pccl.Transport.Heartbeats;
using Pccl.Transport.Security;

namespace Pccl.Tests.Security;

public sealed class HeartbeatAuthenticatorTests
{
    private static readonly HeartbeatAuthenticator Mac = new("a session key"u8);
    private static readonly HeartbeatCredentials Session = new(77, ByteString.CopyFrom(new byte[HeartbeatCredentials.KeySize]));
    private static readonly byte[] ClusterKey = ClusterSecretKeys.Derive("cluster secret"u8, HeartbeatAuthenticator.ClusterKeyPurpose);

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
    public void MacFromAnotherKey_IsRejected()
    {
        var datagram = Sealed(out var length);
        var other = new HeartbeatAuthenticator("another key"u8);

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

    [Fact]
    public void SessionKeys_DifferByPeerTokenKeyMaterialAndSecret()
    {
        var datagram = new byte[64];
        var length = HeartbeatAuthenticator.ForSession(5, Session, ClusterKey).Seal(datagram, 24);

        Assert.True(HeartbeatAuthenticator.ForSession(5, Session, ClusterKey).TryOpen(datagram.AsSpan(0, length), out _));
        var others = new[]
        {
            HeartbeatAuthenticator.ForSession(6, Session, ClusterKey),
            HeartbeatAuthenticator.ForSession(5, Session with { Token = 78 }, ClusterKey),
            HeartbeatAuthenticator.ForSession(5, Session with { Key = ByteString.CopyFrom(Enumerable.Repeat((byte)1, HeartbeatCredentials.KeySize).ToArray()) }, ClusterKey),
            HeartbeatAuthenticator.ForSession(5, Session, ClusterSecretKeys.Derive("another secret"u8, HeartbeatAuthenticator.ClusterKeyPurpose)),
            HeartbeatAuthenticator.ForSession(5, Session, []), // auth off
            new HeartbeatAuthenticator("cluster secret"u8), // the secret used raw
            new HeartbeatAuthenticator(ClusterKey), // the cluster's heartbeat key without a session
        };
        Assert.All(others, other => Assert.False(other.TryOpen(datagram.AsSpan(0, length), out _)));
    }

    [Fact]
    public void SessionKeyMaterialOfTheWrongSize_IsRefused()
    {
        Assert.Throws<ArgumentException>(() => HeartbeatAuthenticator.ForSession(5, Session with { Key = ByteString.Empty }, ClusterKey));
        Assert.Throws<ArgumentException>(() => HeartbeatAuthenticator.ForSession(5, Session with { Key = ByteString.CopyFrom(new byte[31]) }, ClusterKey));
    }

    [Fact]
    public void DrawnCredentials_AreFreshEveryTime()
    {
        var drawn = Enumerable.Range(0, 100).Select(_ => HeartbeatCredentials.Draw()).ToList();

        Assert.All(drawn, c => Assert.NotEqual(0UL, c.Token));
        Assert.All(drawn, c => Assert.Equal(HeartbeatCredentials.KeySize, c.Key.Length));
        Assert.Equal(drawn.Count, drawn.Select(c => c.Token).Distinct().Count());
        Assert.Equal(drawn.Count, drawn.Select(c => c.Key.ToBase64()).Distinct().Count());
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
