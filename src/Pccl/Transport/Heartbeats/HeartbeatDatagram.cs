using System.Buffers.Binary;

namespace Pccl.Transport.Heartbeats;

/// <summary>
/// One heartbeat, 56 bytes, little endian: magic "PCHB" (4) version (1) kind (1) reserved, zero (2) peer id (8)
/// session token (8) sequence (8) sender timestamp (8) MAC (16). The master answers a ping with a pong carrying the
/// same peer id, token, sequence and timestamp, so the peer reads its round-trip time off its own clock. The token and
/// the key of the MAC are the session's, handed out at registration (<see cref="HeartbeatCredentials"/>): a datagram
/// from a stranger, from another peer or from a previous incarnation of the peer or the master is ignored.
/// </summary>
internal readonly record struct HeartbeatDatagram(HeartbeatKind Kind, ulong PeerId, ulong Token, ulong Sequence, long Timestamp)
{
    /// <summary>Format version written and accepted.</summary>
    public const byte Version = 2;

    /// <summary>Bytes covered by the MAC.</summary>
    public const int HeaderSize = 40;

    /// <summary>Bytes of the MAC field.</summary>
    public const int MacSize = 16;

    /// <summary>Bytes of a whole datagram.</summary>
    public const int Size = HeaderSize + MacSize;

    private static ReadOnlySpan<byte> Magic => "PCHB"u8;

    /// <summary>
    /// Writes the datagram, sealed by <paramref name="mac"/> or with a zero MAC (which no receiver takes); returns
    /// <see cref="Size"/>.
    /// </summary>
    public int Write(Span<byte> destination, IHeartbeatMac? mac)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(destination.Length, Size, nameof(destination));
        Magic.CopyTo(destination);
        destination[4] = Version;
        destination[5] = (byte)Kind;
        BinaryPrimitives.WriteUInt16LittleEndian(destination[6..], 0);
        BinaryPrimitives.WriteUInt64LittleEndian(destination[8..], PeerId);
        BinaryPrimitives.WriteUInt64LittleEndian(destination[16..], Token);
        BinaryPrimitives.WriteUInt64LittleEndian(destination[24..], Sequence);
        BinaryPrimitives.WriteInt64LittleEndian(destination[32..], Timestamp);
        if (mac is null)
        {
            destination.Slice(HeaderSize, MacSize).Clear();
            return Size;
        }

        return mac.Seal(destination[..Size], HeaderSize);
    }

    /// <summary>
    /// Parses a received datagram. Never throws on hostile input: anything that is not a well-formed heartbeat of
    /// this version, or whose MAC fails, yields the reason to drop it. A null <paramref name="mac"/> reads the layout
    /// only, for a receiver that learns the key from the peer id: it must check <see cref="IsSealedBy"/> next.
    /// </summary>
    public static HeartbeatDrop TryRead(ReadOnlySpan<byte> source, IHeartbeatMac? mac, out HeartbeatDatagram datagram)
    {
        datagram = default;
        if (source.Length < 6)
        {
            return HeartbeatDrop.WrongLength;
        }

        if (!source[..4].SequenceEqual(Magic))
        {
            return HeartbeatDrop.BadMagic;
        }

        if (source[4] != Version)
        {
            return HeartbeatDrop.UnsupportedVersion;
        }

        if (source.Length != Size)
        {
            return HeartbeatDrop.WrongLength;
        }

        var kind = (HeartbeatKind)source[5];
        if (kind is not (HeartbeatKind.Ping or HeartbeatKind.Pong) || BinaryPrimitives.ReadUInt16LittleEndian(source[6..]) != 0)
        {
            return HeartbeatDrop.Malformed;
        }

        if (mac is not null && !IsSealedBy(source, mac))
        {
            return HeartbeatDrop.BadMac;
        }

        datagram = new HeartbeatDatagram(
            kind,
            BinaryPrimitives.ReadUInt64LittleEndian(source[8..]),
            BinaryPrimitives.ReadUInt64LittleEndian(source[16..]),
            BinaryPrimitives.ReadUInt64LittleEndian(source[24..]),
            BinaryPrimitives.ReadInt64LittleEndian(source[32..]));
        return HeartbeatDrop.None;
    }

    /// <summary>Whether a datagram of the right size carries the MAC of <paramref name="mac"/>'s key over its header.</summary>
    public static bool IsSealedBy(ReadOnlySpan<byte> source, IHeartbeatMac mac) =>
        source.Length == Size && mac.TryOpen(source, out var authenticated) && authenticated == HeaderSize;

    /// <summary>The master's answer to this ping.</summary>
    public HeartbeatDatagram ToPong() => this with { Kind = HeartbeatKind.Pong };
}
