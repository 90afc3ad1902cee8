using System.Buffers;
using K4os.Compression.LZ4;
using Pccl.Protocol.Messages;

namespace Pccl.Operations.Collectives.Kernels;

/// <summary>
/// Lossless compression of one piece (<c>performance.enable_compression</c>): byte-plane split, then LZ4.
/// </summary>
/// <remarks>
/// Encoded layout: one flag byte, then the payload. Flag <see cref="Raw"/>: the payload is the source bytes
/// unchanged (used whenever compression would not shrink the piece, so the encoded size never exceeds
/// <see cref="MaxEncodedSize"/>). Flag <see cref="PlanesLz4"/>: the payload is an LZ4 block of the byte planes.
/// The decoder must know the decoded length (the piece size); it is not stored. Scratch space comes from
/// <see cref="ArrayPool{T}.Shared"/>, so steady-state calls allocate nothing.
/// </remarks>
internal static class LosslessCodec
{
    /// <summary>Flag: payload is the source bytes.</summary>
    public const byte Raw = 0;

    /// <summary>Flag: payload is an LZ4 block of the byte planes.</summary>
    public const byte PlanesLz4 = 1;

    /// <summary>Largest encoding of <paramref name="sourceLength"/> bytes: the flag plus the raw bytes.</summary>
    public static int MaxEncodedSize(int sourceLength)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(sourceLength);
        return checked(sourceLength + 1);
    }

    /// <summary>Encodes <paramref name="source"/> into <paramref name="destination"/> and returns the bytes written.</summary>
    public static int Encode(DataType type, ReadOnlySpan<byte> source, Span<byte> destination)
    {
        int elementSize = ReduceKernels.ElementSize(type);
        ReduceKernels.RequireWholeElements(type, source.Length, elementSize, nameof(source));
        if (destination.Length < MaxEncodedSize(source.Length))
        {
            throw new ArgumentException(
                $"Destination holds {destination.Length} bytes; encoding {source.Length} bytes needs {MaxEncodedSize(source.Length)} (MaxEncodedSize).",
                nameof(destination));
        }
        // The LZ4 block must be strictly shorter than the source, otherwise the raw form is sent.
        Span<byte> payload = destination.Slice(1, source.Length > 0 ? source.Length - 1 : 0);
        int compressed = -1;
        if (source.Length > 0)
        {
            if (elementSize == 1)
            {
                compressed = LZ4Codec.Encode(source, payload);
            }
            else
            {
                byte[] scratch = ArrayPool<byte>.Shared.Rent(source.Length);
                try
                {
                    Span<byte> planes = scratch.AsSpan(0, source.Length);
                    BytePlanes.Split(source, planes, elementSize);
                    compressed = LZ4Codec.Encode(planes, payload);
                }
                finally
                {
                    ArrayPool<byte>.Shared.Return(scratch);
                }
            }
        }
        if (compressed > 0)
        {
            destination[0] = PlanesLz4;
            return compressed + 1;
        }
        destination[0] = Raw;
        source.CopyTo(destination[1..]);
        return source.Length + 1;
    }

    /// <summary>
    /// Decodes <paramref name="encoded"/> (exactly what <see cref="Encode"/> wrote) into <paramref name="destination"/>,
    /// whose length must be the original piece size; returns the bytes written.
    /// </summary>
    /// <exception cref="PcclException">The encoded bytes are corrupt or do not decode to the expected size.</exception>
    public static int Decode(DataType type, ReadOnlySpan<byte> encoded, Span<byte> destination)
    {
        int elementSize = ReduceKernels.ElementSize(type);
        ReduceKernels.RequireWholeElements(type, destination.Length, elementSize, nameof(destination));
        if (encoded.IsEmpty)
        {
            throw Corrupt("it is empty (missing flag byte)");
        }
        ReadOnlySpan<byte> payload = encoded[1..];
        switch (encoded[0])
        {
            case Raw:
                if (payload.Length != destination.Length)
                {
                    throw Corrupt($"raw payload has {payload.Length} bytes but the piece has {destination.Length}");
                }
                payload.CopyTo(destination);
                return destination.Length;
            case PlanesLz4 when elementSize == 1:
                RequireDecoded(LZ4Codec.Decode(payload, destination), destination.Length);
                return destination.Length;
            case PlanesLz4:
                byte[] scratch = ArrayPool<byte>.Shared.Rent(destination.Length);
                try
                {
                    Span<byte> planes = scratch.AsSpan(0, destination.Length);
                    RequireDecoded(LZ4Codec.Decode(payload, planes), destination.Length);
                    BytePlanes.Join(planes, destination, elementSize);
                }
                finally
                {
                    ArrayPool<byte>.Shared.Return(scratch);
                }
                return destination.Length;
            default:
                throw Corrupt($"flag byte {encoded[0]} is unknown");
        }
    }

    private static void RequireDecoded(int decoded, int expected)
    {
        if (decoded != expected)
        {
            throw Corrupt(decoded < 0 ? "the LZ4 block is malformed" : $"it decodes to {decoded} bytes instead of {expected}");
        }
    }

    private static PcclException Corrupt(string reason) =>
        new(PcclErrorCode.ProtocolViolation, $"Compressed piece cannot be decoded: {reason}. The sender and receiver disagree on the piece layout or the data was corrupted in transit.");
}
