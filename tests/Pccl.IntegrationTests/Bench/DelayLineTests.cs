using System.Buffers;
using System.Collections.Concurrent;
using System.Diagnostics;
using Pccl.Cli.Wan;

namespace Pccl.IntegrationTests.Bench;

/// <summary>
/// The emulator's delay line without any network: packets never arrive before their size over the rate plus the
/// one-way delay allows, keep their order, and are dropped when the queue is full or by the configured loss.
/// </summary>
public class DelayLineTests
{
    private sealed class Receiver
    {
        public ConcurrentQueue<(int Id, long At)> Arrivals { get; } = new();

        public void Deliver(byte[] packet, int length) => Arrivals.Enqueue((BitConverter.ToInt32(packet), Stopwatch.GetTimestamp()));

        public async Task WaitForAsync(int count, TimeSpan timeout)
        {
            var deadline = Stopwatch.GetTimestamp() + (long)(timeout.TotalSeconds * Stopwatch.Frequency);
            while (Arrivals.Count < count && Stopwatch.GetTimestamp() < deadline)
            {
                await Task.Delay(5, TestContext.Current.CancellationToken);
            }
        }
    }

    private static void Send(DelayLine line, int id, int length)
    {
        var packet = ArrayPool<byte>.Shared.Rent(length);
        BitConverter.TryWriteBytes(packet, id);
        line.Send(packet, length);
    }

    [Fact]
    public async Task PacketsArriveNoSoonerThanTheRateAndDelayAllowInTheirOrder()
    {
        // 80 Mbit/s: a 10,000-byte packet occupies the path for 1 ms; 20 ms one way
        var receiver = new Receiver();
        var line = new DelayLine(new PathShape { RttMs = 40, RateMbit = 80, QueueMs = 1000 }, receiver.Deliver, "test");
        var start = Stopwatch.GetTimestamp();
        for (var i = 0; i < 50; i++)
        {
            Send(line, i, 10_000);
        }

        await receiver.WaitForAsync(50, TimeSpan.FromSeconds(10));
        var arrivals = receiver.Arrivals.ToList();
        Assert.Equal(Enumerable.Range(0, 50), arrivals.Select(a => a.Id));
        for (var i = 0; i < arrivals.Count; i++)
        {
            var earliest = TimeSpan.FromMilliseconds(20 + i + 1);
            Assert.True(Stopwatch.GetElapsedTime(start, arrivals[i].At) >= earliest, $"packet {i} arrived before {earliest.TotalMilliseconds} ms");
        }
    }

    [Fact]
    public async Task APacketThatWouldWaitLongerThanTheQueueIsDropped()
    {
        // 8 Mbit/s: a 1,000-byte packet occupies the path for 1 ms; a 10 ms queue holds the first 11 of a burst
        var receiver = new Receiver();
        var line = new DelayLine(new PathShape { RttMs = 0, RateMbit = 8, QueueMs = 10 }, receiver.Deliver, "test");
        for (var i = 0; i < 100; i++)
        {
            Send(line, i, 1000);
        }

        await receiver.WaitForAsync(100, TimeSpan.FromSeconds(1));
        var delivered = receiver.Arrivals.Select(a => a.Id).ToList();
        Assert.InRange(delivered.Count, 11, 15);
        Assert.Equal(Enumerable.Range(0, 11), delivered.Take(11));
    }

    [Fact]
    public async Task LossDropsTheConfiguredFractionAtRandom()
    {
        var receiver = new Receiver();
        var line = new DelayLine(new PathShape { RttMs = 0, RateMbit = 0, Loss = 0.5 }, receiver.Deliver, "test");
        for (var i = 0; i < 4000; i++)
        {
            Send(line, i, 100);
        }

        await receiver.WaitForAsync(4000, TimeSpan.FromSeconds(1));
        // binomial(4000, 0.5): a standard deviation of about 32; five of them either side
        Assert.InRange(receiver.Arrivals.Count, 1840, 2160);
    }
}
