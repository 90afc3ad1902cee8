using Google.Protobuf;
using Pccl.Protocol.Messages;

namespace Pccl.Protocol.Codec;

/// <summary>Control messages to and from framed bytes. No IO.</summary>
internal static class ControlCodec
{
    /// <summary>Serialises a message as one frame (length prefix included).</summary>
    public static byte[] EncodeFrame(IMessage message)
    {
        var size = message.CalculateSize();
        if (size > FrameParser.DefaultMaxPayload)
        {
            throw new ProtocolException($"{message.Descriptor.Name} of {size} bytes exceeds the control frame limit");
        }

        var frame = new byte[FrameParser.HeaderSize + size];
        FrameParser.WriteHeader(frame, size);
        message.WriteTo(frame.AsSpan(FrameParser.HeaderSize));
        return frame;
    }

    public static ControlMessage DecodeControl(ReadOnlySpan<byte> payload)
    {
        var message = Decode(ControlMessage.Parser, payload);
        if (message.BodyCase == ControlMessage.BodyOneofCase.None)
        {
            throw new ProtocolException("control message of unknown type (empty or from a newer protocol)");
        }

        return message;
    }

    public static T Decode<T>(MessageParser<T> parser, ReadOnlySpan<byte> payload) where T : IMessage<T>
    {
        try
        {
            return parser.ParseFrom(payload);
        }
        catch (InvalidProtocolBufferException e)
        {
            throw new ProtocolException($"malformed {typeof(T).Name}: {e.Message}", e);
        }
    }
}
