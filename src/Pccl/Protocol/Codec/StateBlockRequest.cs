using System.Buffers.Binary;

namespace Pccl.Protocol.Codec;

/// <summary>
/// What a receiver asks a donor for on a STATE connection: a block-aligned byte range of one tensor. Fixed 24 bytes:
/// marker (1) reserved (3) key index (4) offset (8) length (8), little endian. The key index is the tensor's position in
/// the ordinal order of keys, the same on every peer because the election checked the key sets are equal. The donor
/// answers with one <see cref="StateBlockFrame"/> per hash block of the range, in order.
/// </summary>
internal readonly record struct StateBlockRequest(uint KeyIndex, long Offset, long Length)
{
    public const int Size = 24;
    private const byte Marker = 0x5B;

    public void Write(Span<byte> destination)
    {
        if (destination.Length < Size)
        {
            throw new ArgumentException($"a state block request needs {Size} bytes", nameof(destination));
        }

        destination[0] = Marker;
        destination[1..4].Clear();
        BinaryPrimitives.WriteUInt32LittleEndian(destination[4..], KeyIndex);
        BinaryPrimitives.WriteInt64LittleEndian(destination[8..], Offset);
        BinaryPrimitives.WriteInt64LittleEndian(destination[16..], Length);
    }

    /// <summary>Parses a request; rejects a wrong marker, set reserved bytes, a negative offset or a non-positive length.</summary>
    public static StateBlockRequest Read(ReadOnlySpan<byte> source)
    {
        if (source.Length < Size)
        {
            throw new ProtocolException($"state block request truncated: {source.Length} of {Size} bytes");
        }

        if (source[0] != Marker)
        {
            throw new ProtocolException($"state block request marker 0x{source[0]:X2} is not 0x{Marker:X2}: the stream is out of step");
        }

        if (source[1] != 0 || source[2] != 0 || source[3] != 0)
        {
            throw new ProtocolException("state block request has reserved bytes set; both sides must run the same protocol version");
        }

        var request = new StateBlockRequest(
            BinaryPrimitives.ReadUInt32LittleEndian(source[4..]),
            BinaryPrimitives.ReadInt64LittleEndian(source[8..]),
            BinaryPrimitives.ReadInt64LittleEndian(source[16..]));
        if (request.Offset < 0 || request.Length <= 0)
        {
            throw new ProtocolException($"state block request for offset {request.Offset}, length {request.Length} is not a valid range");
        }

        return request;
    }
}
