using Pccl.Protocol.Codec;
using Pccl.Protocol.Messages;
using Pccl.Tests.Protocol.Support;
using Pccl.Transport;

namespace Pccl.Tests.Protocol;

public class FrameReaderTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task OneByteFragmentsYieldEveryFrameThenACleanEnd()
    {
        var messages = Frames.Samples();
        var stream = new TrickleStream(Frames.Stream(messages));
        using var reader = new FrameReader(stream);

        foreach (var expected in messages)
        {
            var payload = await reader.ReadFrameAsync(Ct);
            Assert.NotNull(payload);
            Assert.Equal(expected, ControlCodec.DecodeControl(payload.Value.Span));
        }

        Assert.Null(await reader.ReadFrameAsync(Ct));
        Assert.True(stream.Reads > Frames.Stream(messages).Length, "the stream should have been read a byte at a time");
    }

    [Fact]
    public async Task EveryPrefixOfAStreamYieldsItsCompleteFramesThenEndsCleanlyOrSaysItWasCut()
    {
        var messages = Frames.Samples();
        var frames = messages.Select(ControlCodec.EncodeFrame).ToList();
        var stream = Frames.Stream(messages);
        for (var length = 0; length <= stream.Length; length++)
        {
            using var reader = new FrameReader(new TrickleStream(stream[..length], () => 7));
            var (complete, boundary) = (0, 0);
            while (complete < frames.Count && boundary + frames[complete].Length <= length)
            {
                var payload = await reader.ReadFrameAsync(Ct);
                Assert.Equal(messages[complete], ControlCodec.DecodeControl(payload!.Value.Span));
                boundary += frames[complete++].Length;
            }

            if (boundary == length)
            {
                Assert.Null(await reader.ReadFrameAsync(Ct));
            }
            else
            {
                var e = await Assert.ThrowsAsync<ProtocolException>(async () => await reader.ReadFrameAsync(Ct));
                Assert.Contains($"{length - boundary} bytes of it received", e.Message);
            }
        }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public async Task RandomFragmentsAroundFramesLargerThanTheInitialBufferArriveIntact(int seed)
    {
        var random = new Random(seed);
        var payloads = Enumerable.Range(0, 12).Select(i => new byte[i % 3 == 0 ? random.Next(5000, 70000) : random.Next(0, 300)]).ToList();
        payloads.ForEach(random.NextBytes);
        byte[] data = [.. payloads.SelectMany(p => Frames.Header(p.Length).Concat(p))];
        using var reader = new FrameReader(new TrickleStream(data, () => random.Next(1, 9000)));

        foreach (var expected in payloads)
        {
            var payload = await reader.ReadFrameAsync(Ct);
            Assert.True(payload.HasValue && payload.Value.Span.SequenceEqual(expected), "a payload came out different");
        }

        Assert.Null(await reader.ReadFrameAsync(Ct));
    }

    [Fact]
    public async Task AnEmptyStreamIsACleanEnd()
    {
        using var reader = new FrameReader(new TrickleStream([]));

        Assert.Null(await reader.ReadFrameAsync(Ct));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    [InlineData(4)]
    [InlineData(10)]
    public async Task AConnectionClosedMidFrameIsAClearError(int received)
    {
        var frame = ControlCodec.EncodeFrame(new ControlMessage { Kick = new Kick { Message = "a message long enough to cut" } });
        byte[] data = [.. ControlCodec.EncodeFrame(new ControlMessage { Goodbye = new Goodbye() }), .. frame.AsSpan(0, received)];
        using var reader = new FrameReader(new TrickleStream(data));

        Assert.NotNull(await reader.ReadFrameAsync(Ct));
        var e = await Assert.ThrowsAsync<ProtocolException>(async () => await reader.ReadFrameAsync(Ct));

        Assert.Contains("connection closed in the middle of a frame", e.Message);
        Assert.Contains($"{received} bytes of it received", e.Message);
    }

    [Theory]
    [InlineData(int.MaxValue)]
    [InlineData(FrameParser.DefaultMaxPayload + 1)]
    [InlineData(-5)]
    public async Task AnImpossibleLengthIsRejectedBeforeAnyBufferGrows(int announced)
    {
        byte[] data = [.. Frames.Header(announced), 1, 2, 3];
        using var reader = new FrameReader(new TrickleStream(data));

        var before = GC.GetAllocatedBytesForCurrentThread();
        var e = await Assert.ThrowsAsync<ProtocolException>(async () => await reader.ReadFrameAsync(Ct));
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Contains(announced.ToString(), e.Message);
        Assert.True(allocated < 256 * 1024, $"reading a bad header allocated {allocated} bytes");
    }

    [Fact]
    public async Task ACustomLimitIsEnforced()
    {
        byte[] data = [.. Frames.Header(1001), .. new byte[1001]];
        using var reader = new FrameReader(new TrickleStream(data, () => 4096), maxPayload: 1000);

        var e = await Assert.ThrowsAsync<ProtocolException>(async () => await reader.ReadFrameAsync(Ct));

        Assert.Contains("1001", e.Message);
        Assert.Contains("1000-byte limit", e.Message);
    }

    [Fact]
    public async Task ManySmallFramesInOneReadAreReturnedOneByOne()
    {
        var messages = Enumerable.Range(0, 500).Select(i => new ControlMessage { CollectiveDone = new CollectiveDone { Tag = (uint)i, Sequence = (ulong)i } }).ToList();
        using var reader = new FrameReader(new TrickleStream(Frames.Stream(messages), () => int.MaxValue));

        for (var i = 0; i < messages.Count; i++)
        {
            var payload = await reader.ReadFrameAsync(Ct);
            Assert.Equal((uint)i, ControlCodec.DecodeControl(payload!.Value.Span).CollectiveDone.Tag);
        }

        Assert.Null(await reader.ReadFrameAsync(Ct));
    }

    [Fact]
    public async Task CancellationIsForwardedToTheStream()
    {
        using var reader = new FrameReader(new TrickleStream([1, 2]));
        using var cts = new CancellationTokenSource();
        await cts.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await reader.ReadFrameAsync(cts.Token));
    }

    [Fact]
    public void DisposingTwiceIsHarmless()
    {
        var reader = new FrameReader(new TrickleStream([]));
        reader.Dispose();
        reader.Dispose();
    }
}
