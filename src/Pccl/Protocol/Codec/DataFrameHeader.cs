using System.Buffers.Binary;

namespace Pccl.Protocol.Codec;

/// <summary>
/// Fixed 24-byte header before each piece of collective data on a ring connection:
/// marker (1) kind (1) flags (2) tag (4) sequence (8) piece index (4) length (4), little endian.
/// The payload follows as raw bytes written straight from the sender's buffer. On a ring frame the flags carry the
/// number of stripes the sender spreads the operation over (<see cref="RingStripes"/>); a striped hop ends each stripe
/// with a <see cref="DataFrameKind.StripeEnd"/> frame.
/// </summary>
internal readonly record struct DataFrameHeader(DataFrameKind Kind, ushort Flags, uint Tag, ulong Sequence, uint Piece, int Length)
{
    public const int Size = 24;
    private const byte Marker = 0xD7;

    public void Write(Span<byte> destination)
    {
        destination[0] = Marker;
        destination[1] = (byte)Kind;
        BinaryPrimitives.WriteUInt16LittleEndian(destination[2..], Flags);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[4..], Tag);
        BinaryPrimitives.WriteUInt64LittleEndian(destination[8..], Sequence);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[16..], Piece);
        BinaryPrimitives.WriteInt32LittleEndian(destination[20..], Length);
    }

    /// <summary>Parses and validates a header; <paramref name="maxLength"/> bounds the payload the receiver will accept.</summary>
    public static DataFrameHeader Read(ReadOnlySpan<byte> source, int maxLength)
    {
        if (source.Length < Size)
        {
            throw new ProtocolException($"data frame header truncated: {source.Length} of {Size} bytes");
        }

        if (source[0] != Marker)
        {
            throw new ProtocolException($"data frame marker 0x{source[0]:X2} is not 0x{Marker:X2}: the stream is out of step");
        }

        var kind = (DataFrameKind)source[1];
        if (!Enum.IsDefined(kind))
        {
            throw new ProtocolException($"unknown data frame kind {source[1]}");
        }

        var length = BinaryPrimitives.ReadInt32LittleEndian(source[20..]);
        if (length < 0 || length > maxLength)
        {
            throw new ProtocolException($"data frame length {length} outside 0..{maxLength}");
        }

        return new DataFrameHeader(
            kind,
            BinaryPrimitives.ReadUInt16LittleEndian(source[2..]),
            BinaryPrimitives.ReadUInt32LittleEndian(source[4..]),
            BinaryPrimitives.ReadUInt64LittleEndian(source[8..]),
            BinaryPrimitives.ReadUInt32LittleEndian(source[16..]),
            length);
    }
}

/// <summary>What a data frame carries.</summary>
internal enum DataFrameKind : byte
{
    ReduceScatter = 1,
    AllGather = 2,
    StateBlock = 3,
    Bench = 4,

    /// <summary>
    /// The last frame on one stripe of a striped ring hop (no payload, piece <see cref="uint.MaxValue"/>): the sender
    /// spreads frames over its stripes as they drain, so the receiver learns from this that a stripe carries no more.
    /// </summary>
    StripeEnd = 5,
}
