using System.Buffers.Binary;

namespace Pccl.Protocol.Codec;

/// <summary>
/// Finds length-prefixed control frames in a byte buffer: a 4-byte little-endian payload length, then the payload.
/// Pure and resumable: give it whatever bytes have arrived; it says "need more" or where the next frame is.
/// The length is checked against the cap before anyone allocates for it.
/// </summary>
internal static class FrameParser
{
    public const int HeaderSize = 4;

    /// <summary>Largest control payload accepted (16 MiB).</summary>
    public const int DefaultMaxPayload = 16 * 1024 * 1024;

    /// <summary>
    /// Looks for one complete frame at the start of <paramref name="buffer"/>.
    /// Returns false when more bytes are needed (<paramref name="payloadLength"/> is then the announced length once the
    /// header is complete, or -1). Throws <see cref="ProtocolException"/> for an impossible length.
    /// </summary>
    public static bool TryParse(ReadOnlySpan<byte> buffer, out int payloadLength, int maxPayload = DefaultMaxPayload)
    {
        payloadLength = -1;
        if (buffer.Length < HeaderSize)
        {
            return false;
        }

        var announced = BinaryPrimitives.ReadInt32LittleEndian(buffer);
        if (announced < 0)
        {
            throw new ProtocolException($"frame length {announced} is negative (corrupt stream or not a PCCL peer)");
        }

        if (announced > maxPayload)
        {
            throw new ProtocolException($"frame length {announced} exceeds the {maxPayload}-byte limit for control frames");
        }

        payloadLength = announced;
        return buffer.Length - HeaderSize >= announced;
    }

    public static void WriteHeader(Span<byte> destination, int payloadLength) =>
        BinaryPrimitives.WriteInt32LittleEndian(destination, payloadLength);
}
