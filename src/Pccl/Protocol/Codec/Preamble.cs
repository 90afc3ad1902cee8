using System.Buffers.Binary;

namespace Pccl.Protocol.Codec;

/// <summary>
/// The fixed 6 bytes that open every TCP connection: the magic "PCCL" and the protocol version (big endian),
/// so a version mismatch is recognised before any message is parsed.
/// </summary>
internal static class Preamble
{
    public const int Size = 6;
    public const ushort CurrentVersion = 3;
    private static ReadOnlySpan<byte> Magic => "PCCL"u8;

    public static void Write(Span<byte> destination, ushort version = CurrentVersion)
    {
        Magic.CopyTo(destination);
        BinaryPrimitives.WriteUInt16BigEndian(destination[4..], version);
    }

    /// <summary>Returns the peer's protocol version; throws when the bytes are not a PCCL preamble.</summary>
    public static ushort Read(ReadOnlySpan<byte> source)
    {
        if (source.Length < Size)
        {
            throw new ProtocolException($"preamble truncated: {source.Length} of {Size} bytes");
        }

        if (!source[..4].SequenceEqual(Magic))
        {
            var hint = source[0] == 0x16 ? " (this looks like a TLS handshake: enable network.tls on this side too)" : "";
            throw new ProtocolException($"not a PCCL connection: bad magic {Convert.ToHexString(source[..4])}{hint}");
        }

        return BinaryPrimitives.ReadUInt16BigEndian(source[4..]);
    }
}
