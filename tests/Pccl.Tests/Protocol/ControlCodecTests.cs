using Google.Protobuf;
using Pccl.Protocol.Codec;
using Pccl.Protocol.Messages;
using Pccl.Tests.Protocol.Support;

namespace Pccl.Tests.Protocol;

public class ControlCodecTests
{
    [Fact]
    public void EveryKindOfMessageSurvivesARoundTrip()
    {
        var samples = Frames.Samples();
        Assert.Equal(Enum.GetValues<ControlMessage.BodyOneofCase>().Length - 1, samples.Select(m => m.BodyCase).Distinct().Count());

        foreach (var message in samples)
        {
            var frame = ControlCodec.EncodeFrame(message);
            Assert.True(FrameParser.TryParse(frame, out var length));
            Assert.Equal(frame.Length - FrameParser.HeaderSize, length);
            Assert.Equal(message, ControlCodec.DecodeControl(frame.AsSpan(FrameParser.HeaderSize)));
        }
    }

    [Fact]
    public void AnEmptyMessageIsRejectedAsUnknownType()
    {
        var e = Assert.Throws<ProtocolException>(() => ControlCodec.DecodeControl([]));

        Assert.Contains("unknown type", e.Message);
    }

    [Fact]
    public void AMessageFromANewerProtocolWithOnlyUnknownFieldsIsRejectedAsUnknownType()
    {
        // Field 99, length-delimited, 2 bytes: a body this version does not know.
        byte[] payload = [0x9A, 0x06, 0x02, 0x08, 0x01];

        var e = Assert.Throws<ProtocolException>(() => ControlCodec.DecodeControl(payload));

        Assert.Contains("unknown type", e.Message);
    }

    [Fact]
    public void EveryTruncationOfAMessageIsRejectedAsProtocolException()
    {
        foreach (var message in Frames.Samples())
        {
            var payload = message.ToByteArray();
            for (var n = 0; n < payload.Length; n++)
            {
                var e = Assert.Throws<ProtocolException>(() => ControlCodec.DecodeControl(payload.AsSpan(0, n)));
                Assert.Equal(PcclErrorCode.ProtocolViolation, e.Code);
            }
        }
    }

    [Fact]
    public void AMalformedMessageNamesItsTypeAndKeepsTheCause()
    {
        byte[] payload = [0x0A, 0x05, 0x08]; // Register announcing 5 bytes, carrying 1

        var e = Assert.Throws<ProtocolException>(() => ControlCodec.DecodeControl(payload));

        Assert.StartsWith("malformed ControlMessage", e.Message);
        Assert.IsType<InvalidProtocolBufferException>(e.InnerException);
    }

    [Fact]
    public void TheGenericDecoderWrapsHandshakeMessagesToo()
    {
        var hello = new Hello { Kind = ConnectionKind.Ring, ClusterId = "c", PeerId = 4, Lane = 1, Sequence = 9 };
        Assert.Equal(hello, ControlCodec.Decode(Hello.Parser, hello.ToByteArray()));

        var e = Assert.Throws<ProtocolException>(() => ControlCodec.Decode(Hello.Parser, [0x12, 0x7F]));
        Assert.StartsWith("malformed Hello", e.Message);
    }

    [Fact]
    public void EncodingAMessageOverTheLimitIsRefusedNamingItsSize()
    {
        var message = new ControlMessage { Kick = new Kick { Message = new string('x', FrameParser.DefaultMaxPayload) } };

        var e = Assert.Throws<ProtocolException>(() => ControlCodec.EncodeFrame(message));

        Assert.Contains(message.CalculateSize().ToString(), e.Message);
        Assert.Contains("ControlMessage", e.Message);
    }
}
