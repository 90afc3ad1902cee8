using Pccl.Master.Server;
using Pccl.Protocol.Codec;
using Pccl.Protocol.Messages;

namespace Pccl.Tests.Master;

public class BroadcastFramesTests
{
    private readonly BroadcastFrames _frames = new();

    [Fact]
    public void OneMessageIsEncodedOnceForEveryConnectionOfAnEpoch()
    {
        var complete = new ControlMessage { CollectiveComplete = new CollectiveComplete { Tag = 3, Sequence = 9 } };

        var first = _frames.For(complete, 5);
        var second = _frames.For(complete, 5);

        Assert.Same(first, second);
        var decoded = ControlCodec.DecodeControl(first.AsSpan(FrameParser.HeaderSize));
        Assert.Equal((5UL, 9UL), (decoded.Epoch, decoded.CollectiveComplete.Sequence));
    }

    [Fact]
    public void AnotherEpochOrAnotherMessageIsEncodedAfresh()
    {
        var complete = new ControlMessage { CollectiveComplete = new CollectiveComplete { Tag = 3, Sequence = 9 } };
        var other = new ControlMessage { CollectiveComplete = new CollectiveComplete { Tag = 3, Sequence = 10 } };
        var atFive = _frames.For(complete, 5);

        var atSix = _frames.For(complete, 6);
        var otherAtSix = _frames.For(other, 6);

        Assert.Equal(6UL, ControlCodec.DecodeControl(atSix.AsSpan(FrameParser.HeaderSize)).Epoch);
        Assert.Equal(5UL, ControlCodec.DecodeControl(atFive.AsSpan(FrameParser.HeaderSize)).Epoch);
        Assert.Equal(10UL, ControlCodec.DecodeControl(otherAtSix.AsSpan(FrameParser.HeaderSize)).CollectiveComplete.Sequence);
    }

    [Fact]
    public void AfterAnEventsCommandsAMessageChangedSinceIsEncodedAgain()
    {
        var abort = new ControlMessage { CollectiveAbort = new CollectiveAbort { Tag = 1, Reason = "first" } };
        _frames.For(abort, 1);
        _frames.Clear();
        abort.CollectiveAbort.Reason = "second";

        var frame = _frames.For(abort, 1);

        Assert.Equal("second", ControlCodec.DecodeControl(frame.AsSpan(FrameParser.HeaderSize)).CollectiveAbort.Reason);
    }
}
