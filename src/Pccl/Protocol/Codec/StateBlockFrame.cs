using System.Buffers.Binary;

namespace Pccl.Protocol.Codec;

/// <summary>
/// A donor's answer to one block of a <see cref="StateBlockRequest"/>: a <see cref="DataFrameHeader"/> of kind
/// <see cref="DataFrameKind.StateBlock"/> (tag = key index, sequence = the round's sequence, piece = block index,
/// length = block bytes), then the donor's 8-byte XxHash3 of the block, then the block's bytes. The receiver checks
/// the bytes it got against that hash at once, and later the whole tensor against the elected hash.
/// </summary>
internal static class StateBlockFrame
{
    /// <summary>Bytes before the payload: the header and the block hash.</summary>
    public const int PrefixSize = DataFrameHeader.Size + sizeof(ulong);

    public static void WritePrefix(Span<byte> destination, uint keyIndex, ulong sequence, int block, int length, ulong blockHash)
    {
        new DataFrameHeader(DataFrameKind.StateBlock, 0, keyIndex, sequence, (uint)block, length).Write(destination);
        BinaryPrimitives.WriteUInt64LittleEndian(destination[DataFrameHeader.Size..], blockHash);
    }

    /// <summary>
    /// Parses a prefix and checks it is the block the receiver expects next; a payload longer than
    /// <paramref name="expectedLength"/> is refused before anything is read into the tensor.
    /// </summary>
    public static ulong ReadPrefix(ReadOnlySpan<byte> source, uint keyIndex, ulong sequence, int block, int expectedLength)
    {
        if (source.Length < PrefixSize)
        {
            throw new ProtocolException($"state block prefix truncated: {source.Length} of {PrefixSize} bytes");
        }

        var header = DataFrameHeader.Read(source, expectedLength);
        if (header.Kind != DataFrameKind.StateBlock || header.Tag != keyIndex || header.Sequence != sequence || header.Piece != (uint)block
            || header.Length != expectedLength)
        {
            throw new ProtocolException(
                $"expected state block {block} of key #{keyIndex} ({expectedLength} bytes, sequence {sequence}) but got {header.Kind} " +
                $"piece {header.Piece} of key #{header.Tag} ({header.Length} bytes, sequence {header.Sequence})");
        }

        return BinaryPrimitives.ReadUInt64LittleEndian(source[DataFrameHeader.Size..]);
    }
}
