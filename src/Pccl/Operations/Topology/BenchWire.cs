using System.Buffers.Binary;

namespace Pccl.Operations.Topology;

/// <summary>
/// The bytes of a BENCH connection: the sender writes how long the receiver measures (uint32 milliseconds, little
/// endian), then filler bytes until told to stop; the receiver answers, once that long has passed since its first
/// byte, with the rate it received at (a little-endian double, bytes per second), then reads until the sender closes.
/// The receiver measures because what arrives is what the path carries; the sender's writes only fill buffers.
/// </summary>
internal static class BenchWire
{
    /// <summary>The longest measurement a receiver accepts; a sender asking for more is refused.</summary>
    public static readonly TimeSpan MaxDuration = TimeSpan.FromSeconds(30);

    public const int HeaderBytes = sizeof(uint);

    public const int ReplyBytes = sizeof(double);

    /// <summary>Bytes per write and per read.</summary>
    public const int ChunkBytes = 1 << 20;

    public static byte[] Header(TimeSpan duration)
    {
        var header = new byte[HeaderBytes];
        BinaryPrimitives.WriteUInt32LittleEndian(header, (uint)duration.TotalMilliseconds);
        return header;
    }

    public static byte[] Reply(double bytesPerSecond)
    {
        var reply = new byte[ReplyBytes];
        BinaryPrimitives.WriteDoubleLittleEndian(reply, bytesPerSecond);
        return reply;
    }
}
