using Google.Protobuf;
using Pccl.Protocol.Codec;

namespace Pccl.Transport;

/// <summary>
/// Frame IO that never reads past the frame it wants. Used during handshakes, before a ring connection switches to
/// raw data frames that must be read straight into the caller's buffer.
/// </summary>
internal static class ExactFrameIo
{
    /// <summary>Handshake frames are small; a larger announced length is hostile.</summary>
    public const int MaxHandshakePayload = 64 * 1024;

    /// <summary>Reads one whole frame, length prefix included, as the bytes that arrived (a handshake transcript needs them).</summary>
    public static async ValueTask<byte[]> ReadFrameAsync(Stream stream, CancellationToken ct)
    {
        var header = new byte[FrameParser.HeaderSize];
        await stream.ReadExactlyAsync(header, ct).ConfigureAwait(false);
        _ = FrameParser.TryParse(header, out var length, MaxHandshakePayload);
        var frame = new byte[FrameParser.HeaderSize + length];
        header.CopyTo(frame, 0);
        await stream.ReadExactlyAsync(frame.AsMemory(FrameParser.HeaderSize), ct).ConfigureAwait(false);
        return frame;
    }

    public static async ValueTask WriteAsync(Stream stream, IMessage message, CancellationToken ct)
    {
        await stream.WriteAsync(ControlCodec.EncodeFrame(message), ct).ConfigureAwait(false);
        await stream.FlushAsync(ct).ConfigureAwait(false);
    }
}
