using Pccl.Protocol.Codec;
using Pccl.Tests.Protocol.Support;

namespace Pccl.Tests.Protocol;

public class FrameParserTests
{
    [Fact]
    public void EveryPrefixOfAMultiFrameStreamYieldsExactlyTheFramesItHolds()
    {
        var messages = Frames.Samples();
        var stream = Frames.Stream(messages);
        var ends = new List<int>();
        var offset = 0;
        foreach (var m in messages)
        {
            offset += ControlCodec.EncodeFrame(m).Length;
            ends.Add(offset);
        }

        for (var length = 0; length <= stream.Length; length++)
        {
            var prefix = stream.AsSpan(0, length);
            var position = 0;
            var decoded = new List<Pccl.Protocol.Messages.ControlMessage>();
            int announced;
            while (FrameParser.TryParse(prefix[position..], out announced))
            {
                decoded.Add(ControlCodec.DecodeControl(prefix.Slice(position + FrameParser.HeaderSize, announced)));
                position += FrameParser.HeaderSize + announced;
            }

            var complete = ends.Count(e => e <= length);
            Assert.Equal(messages.Take(complete), decoded);
            var rest = length - position;
            Assert.Equal(rest < FrameParser.HeaderSize ? -1 : ControlCodec.EncodeFrame(messages[complete]).Length - FrameParser.HeaderSize, announced);
        }
    }

    [Fact]
    public void AZeroLengthFrameIsCompleteWithItsHeader()
    {
        Assert.True(FrameParser.TryParse(Frames.Header(0), out var length));
        Assert.Equal(0, length);
    }

    [Fact]
    public void TheHeaderIsAFourByteLittleEndianLength()
    {
        Assert.Equal(new byte[] { 0x04, 0x03, 0x02, 0x01 }, Frames.Header(0x01020304));
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(int.MinValue)]
    [InlineData(-16777216)]
    public void ANegativeLengthIsRejectedNamingIt(int announced)
    {
        var e = Assert.Throws<ProtocolException>(() => FrameParser.TryParse(Frames.Header(announced), out _));

        Assert.Contains($"frame length {announced}", e.Message);
        Assert.Contains("negative", e.Message);
        Assert.Equal(PcclErrorCode.ProtocolViolation, e.Code);
        Assert.False(e.IsTransient);
    }

    [Theory]
    [InlineData(FrameParser.DefaultMaxPayload + 1)]
    [InlineData(int.MaxValue)]
    public void AHugeLengthIsRejectedFromTheHeaderAloneNamingLengthAndLimit(int announced)
    {
        var e = Assert.Throws<ProtocolException>(() => FrameParser.TryParse(Frames.Header(announced), out _));

        Assert.Contains(announced.ToString(), e.Message);
        Assert.Contains(FrameParser.DefaultMaxPayload.ToString(), e.Message);
    }

    [Fact]
    public void TheLimitItselfIsAllowedAndACustomLimitIsHonoured()
    {
        Assert.False(FrameParser.TryParse(Frames.Header(FrameParser.DefaultMaxPayload), out var length));
        Assert.Equal(FrameParser.DefaultMaxPayload, length);

        Assert.False(FrameParser.TryParse(Frames.Header(100), out _, maxPayload: 100));
        var e = Assert.Throws<ProtocolException>(() => FrameParser.TryParse(Frames.Header(101), out _, maxPayload: 100));
        Assert.Contains("101", e.Message);
        Assert.Contains("100-byte limit", e.Message);
    }

    [Fact]
    public void AnIncompleteHeaderAnnouncesNothing()
    {
        for (var n = 0; n < FrameParser.HeaderSize; n++)
        {
            Assert.False(FrameParser.TryParse(new byte[n], out var length));
            Assert.Equal(-1, length);
        }
    }

    [Fact]
    public void BytesAfterTheFrameAreLeftAlone()
    {
        byte[] buffer = [.. Frames.Header(2), 0xAA, 0xBB, 0xFF, 0xFF, 0xFF, 0xFF];

        Assert.True(FrameParser.TryParse(buffer, out var length));
        Assert.Equal(2, length);
    }
}
