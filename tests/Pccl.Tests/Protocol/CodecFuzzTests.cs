using Google.Protobuf;
using Pccl.Protocol.Codec;
using Pccl.Tests.Protocol.Support;
using Pccl.Transport;

namespace Pccl.Tests.Protocol;

/// <summary>Hostile bytes: nothing but <see cref="ProtocolException"/> may come out, and nothing huge may be allocated.</summary>
public class CodecFuzzTests
{
    private const int Buffers = 4000;

    [Fact]
    public void RandomPayloadsDecodeOrFailWithProtocolException()
    {
        var random = new Random(20240611);
        for (var i = 0; i < Buffers; i++)
        {
            var payload = new byte[random.Next(0, 96)];
            random.NextBytes(payload);
            OnlyProtocolErrors(i, () => ControlCodec.DecodeControl(payload));
        }
    }

    [Fact]
    public void MutatedValidMessagesDecodeOrFailWithProtocolException()
    {
        var random = new Random(7);
        var samples = Frames.Samples().Select(m => m.ToByteArray()).ToArray();
        for (var i = 0; i < Buffers; i++)
        {
            var payload = (byte[])samples[random.Next(samples.Length)].Clone();
            for (var flips = random.Next(1, 4); flips > 0 && payload.Length > 0; flips--)
            {
                payload[random.Next(payload.Length)] = (byte)random.Next(256);
            }

            var cut = payload.AsSpan(0, random.Next(payload.Length + 1)).ToArray();
            OnlyProtocolErrors(i, () => ControlCodec.DecodeControl(cut));
        }
    }

    [Fact]
    public void RandomStreamsThroughTheReaderFailOnlyWithProtocolExceptionAndStayWithinTheLimit()
    {
        const int limit = 64 * 1024;
        var random = new Random(99);
        for (var i = 0; i < Buffers; i++)
        {
            var data = new byte[random.Next(0, 200)];
            random.NextBytes(data);
            if (i % 4 == 0 && data.Length >= 4)
            {
                FrameParser.WriteHeader(data, random.Next(0, 256)); // plausible lengths too, not only absurd ones
            }

            using var reader = new FrameReader(new TrickleStream(data, () => random.Next(1, 64)), limit);
            var before = GC.GetAllocatedBytesForCurrentThread();
            OnlyProtocolErrors(i, () =>
            {
                while (reader.ReadFrameAsync(CancellationToken.None).AsTask().GetAwaiter().GetResult() is { } payload)
                {
                    _ = ControlCodec.DecodeControl(payload.Span);
                }
            });
            var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
            Assert.True(allocated < 2 * limit, $"buffer {i} of {data.Length} bytes made the reader allocate {allocated} bytes");
        }
    }

    [Fact]
    public void RandomHeadersAndPreamblesFailOnlyWithProtocolException()
    {
        var random = new Random(5);
        for (var i = 0; i < Buffers; i++)
        {
            var bytes = new byte[random.Next(0, 30)];
            random.NextBytes(bytes);
            if (i % 3 == 0 && bytes.Length > 1)
            {
                bytes[0] = 0xD7; // get past the marker now and then
                bytes[1] = (byte)random.Next(0, 6);
            }

            OnlyProtocolErrors(i, () => DataFrameHeader.Read(bytes, 1 << 20));
            OnlyProtocolErrors(i, () => Preamble.Read(bytes));
            OnlyProtocolErrors(i, () => FrameParser.TryParse(bytes, out _));
        }
    }

    private static void OnlyProtocolErrors(int index, Action action)
    {
        try
        {
            action();
        }
        catch (ProtocolException)
        {
        }
        catch (Exception e)
        {
            Assert.Fail($"input {index} threw {e.GetType().Name}: {e.Message}");
        }
    }

    private static void OnlyProtocolErrors<T>(int index, Func<T> action) => OnlyProtocolErrors(index, () => { _ = action(); });
}
