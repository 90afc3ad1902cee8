using System.Buffers.Binary;
using Pccl.Transport.Heartbeats;

namespace Pccl.Tests.Heartbeats;

public class HeartbeatDatagramTests
{
    private static readonly HeartbeatDatagram Sample = new(HeartbeatKind.Ping, 7, 0xDEADBEEF_CAFEF00D, 42, 123_456_789);

    private static byte[] Encode(HeartbeatDatagram d, IHeartbeatMac? mac = null)
    {
        var buffer = new byte[HeartbeatDatagram.Size];
        Assert.Equal(HeartbeatDatagram.Size, d.Write(buffer, mac));
        return buffer;
    }

    [Theory]
    [InlineData(1, 1UL, 1UL, 1UL, 0L)]
    [InlineData(2, ulong.MaxValue, ulong.MaxValue, ulong.MaxValue, long.MaxValue)]
    [InlineData(2, 3UL, 0x0102030405060708UL, 99UL, long.MinValue)]
    public void RoundTrips(byte kind, ulong peer, ulong token, ulong sequence, long timestamp)
    {
        var sent = new HeartbeatDatagram((HeartbeatKind)kind, peer, token, sequence, timestamp);
        Assert.Equal(HeartbeatDrop.None, HeartbeatDatagram.TryRead(Encode(sent), null, out var read));
        Assert.Equal(sent, read);
    }

    [Fact]
    public void LayoutIsFixedLittleEndianWithAZeroMacWhenUnsealed()
    {
        var bytes = Encode(Sample);
        Assert.Equal(56, bytes.Length);
        Assert.Equal("PCHB"u8.ToArray(), bytes[..4]);
        Assert.Equal(HeartbeatDatagram.Version, bytes[4]);
        Assert.Equal((byte)HeartbeatKind.Ping, bytes[5]);
        Assert.Equal(7UL, BinaryPrimitives.ReadUInt64LittleEndian(bytes.AsSpan(8)));
        Assert.Equal(0xDEADBEEF_CAFEF00D, BinaryPrimitives.ReadUInt64LittleEndian(bytes.AsSpan(16)));
        Assert.Equal(42UL, BinaryPrimitives.ReadUInt64LittleEndian(bytes.AsSpan(24)));
        Assert.All(bytes[40..], b => Assert.Equal(0, b));
    }

    [Fact]
    public void PongEchoesEverythingButTheKind()
    {
        var pong = Sample.ToPong();
        Assert.Equal(HeartbeatKind.Pong, pong.Kind);
        Assert.Equal(Sample with { Kind = HeartbeatKind.Pong }, pong);
    }

    [Fact]
    public void MacRoundTripsAndRejectsTamperingOrAnotherKey()
    {
        var mac = new TestMac([1, 2, 3]);
        var bytes = Encode(Sample, mac);
        Assert.Contains(bytes[40..], b => b != 0);
        Assert.Equal(HeartbeatDrop.None, HeartbeatDatagram.TryRead(bytes, mac, out var read));
        Assert.Equal(Sample, read);

        Assert.Equal(HeartbeatDrop.BadMac, HeartbeatDatagram.TryRead(bytes, new TestMac([9]), out _));
        Assert.Equal(HeartbeatDrop.BadMac, HeartbeatDatagram.TryRead(Encode(Sample), mac, out _));
        Assert.True(HeartbeatDatagram.IsSealedBy(bytes, mac));
        Assert.False(HeartbeatDatagram.IsSealedBy(bytes, new TestMac([9])));
        Assert.False(HeartbeatDatagram.IsSealedBy(Encode(Sample), mac));
        for (var i = 8; i < HeartbeatDatagram.Size; i++)
        {
            var tampered = (byte[])bytes.Clone();
            tampered[i] ^= 0x01;
            Assert.Equal(HeartbeatDrop.BadMac, HeartbeatDatagram.TryRead(tampered, mac, out _));
        }
    }

    [Fact]
    public void EveryWrongLengthIsDropped()
    {
        var bytes = Encode(Sample);
        var longer = new byte[200];
        bytes.CopyTo(longer, 0);
        for (var length = 0; length <= longer.Length; length++)
        {
            if (length != HeartbeatDatagram.Size)
            {
                Assert.Equal(HeartbeatDrop.WrongLength, HeartbeatDatagram.TryRead(longer.AsSpan(0, length), null, out var read));
                Assert.Equal(default, read);
            }
        }
    }

    [Theory]
    [InlineData(0, 0x51, "BadMagic")]
    [InlineData(3, 0x00, "BadMagic")]
    [InlineData(4, 0x00, "UnsupportedVersion")]
    [InlineData(4, 0x01, "UnsupportedVersion")] // the cluster-wide key and optional MAC of earlier releases
    [InlineData(4, 0x03, "UnsupportedVersion")]
    [InlineData(5, 0x00, "Malformed")]
    [InlineData(5, 0x03, "Malformed")]
    [InlineData(5, 0xFF, "Malformed")]
    [InlineData(6, 0x01, "Malformed")]
    [InlineData(7, 0x80, "Malformed")]
    public void HostileHeaderFieldsAreDropped(int offset, byte value, string expected)
    {
        var bytes = Encode(Sample);
        bytes[offset] = value;
        Assert.Equal(Enum.Parse<HeartbeatDrop>(expected), HeartbeatDatagram.TryRead(bytes, null, out _));
    }

    [Fact]
    public void RandomBytesNeverThrowAndAlmostNeverParse()
    {
        var random = new Random(4);
        var buffer = new byte[HeartbeatDatagram.Size];
        var mac = new TestMac([5]);
        var parsed = 0;
        for (var i = 0; i < 20_000; i++)
        {
            random.NextBytes(buffer);
            if (i % 2 == 0)
            {
                "PCHB"u8.CopyTo(buffer); // get past the magic to reach the deeper checks
                buffer[4] = HeartbeatDatagram.Version;
            }

            if (HeartbeatDatagram.TryRead(buffer, null, out _) == HeartbeatDrop.None)
            {
                parsed++;
            }

            Assert.NotEqual(HeartbeatDrop.None, HeartbeatDatagram.TryRead(buffer, mac, out var withMac)); // a forged MAC
            Assert.Equal(default, withMac);
        }

        // Only datagrams whose kind byte is 1 or 2 and whose reserved bytes are zero pass: about 1 in 2^17 of the half with magic.
        Assert.True(parsed < 5, $"{parsed} random datagrams parsed");
    }

    [Fact]
    public void WriteRefusesAShortBuffer() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => Sample.Write(new byte[HeartbeatDatagram.Size - 1], null));

    [Fact]
    public void DropCountsAddUpByReason()
    {
        var counts = new HeartbeatDropCounts();
        counts.Add(HeartbeatDrop.BadMagic);
        counts.Add(HeartbeatDrop.BadMagic);
        counts.Add(HeartbeatDrop.Stale);
        counts.Add(HeartbeatDrop.None);
        Assert.Equal(2, counts[HeartbeatDrop.BadMagic]);
        Assert.Equal(1, counts[HeartbeatDrop.Stale]);
        Assert.Equal(3, counts.Total);
    }
}
