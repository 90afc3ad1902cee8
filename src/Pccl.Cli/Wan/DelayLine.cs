using System.Buffers;
using System.Diagnostics;

namespace Pccl.Cli.Wan;

/// <summary>
/// One direction of an emulated path: packets queue for the rate (each occupies the path for its size over the rate,
/// after the one before it), then travel for the one-way delay, and are handed to <c>deliver</c> (the forwarder writes
/// them to the far side's TUN device) by this line's own thread at their arrival time. Packets that would wait longer
/// than the queue limit are dropped, so TCP sees a path with a buffer, not an infinite one. Packet order is kept:
/// arrival times only grow.
/// </summary>
internal sealed class DelayLine
{
    private readonly PathShape _shape;
    private readonly Action<byte[], int> _deliver;
    private readonly Queue<(byte[] Packet, int Length, long ArrivesAt)> _queue = new();
    private readonly object _gate = new();
    private readonly double _ticksPerByte;
    private readonly long _delayTicks;
    private readonly long _queueLimitTicks;
    private long _pathFreeAt;

    /// <param name="deliver">called on the line's thread with each packet at its arrival time; the packet returns to the pool after</param>
    public DelayLine(PathShape shape, Action<byte[], int> deliver, string name)
    {
        _shape = shape;
        _deliver = deliver;
        _ticksPerByte = shape.SecondsPerByte * Stopwatch.Frequency;
        _delayTicks = (long)(shape.OneWayDelay.TotalSeconds * Stopwatch.Frequency);
        _queueLimitTicks = (long)(shape.QueueLimit.TotalSeconds * Stopwatch.Frequency);
        new Thread(Deliver) { IsBackground = true, Name = name }.Start();
    }

    /// <summary>Takes ownership of <paramref name="packet"/> (rented from the shared pool).</summary>
    public void Send(byte[] packet, int length)
    {
        var now = Stopwatch.GetTimestamp();
        lock (_gate)
        {
            var start = Math.Max(now, _pathFreeAt);
            if (start - now > _queueLimitTicks || (_shape.Loss > 0 && Random.Shared.NextDouble() < _shape.Loss))
            {
                ArrayPool<byte>.Shared.Return(packet);
                return;
            }

            _pathFreeAt = start + (long)(length * _ticksPerByte);
            _queue.Enqueue((packet, length, _pathFreeAt + _delayTicks));
            if (_queue.Count == 1)
            {
                Monitor.Pulse(_gate);
            }
        }
    }

    private void Deliver()
    {
        while (true)
        {
            (byte[] Packet, int Length, long ArrivesAt) next;
            lock (_gate)
            {
                while (_queue.Count == 0)
                {
                    Monitor.Wait(_gate);
                }

                next = _queue.Peek();
            }

            var wait = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), next.ArrivesAt);
            if (wait > TimeSpan.Zero)
            {
                LinuxNative.Sleep(wait);
            }

            lock (_gate)
            {
                _queue.Dequeue();
            }

            _deliver(next.Packet, next.Length);
            ArrayPool<byte>.Shared.Return(next.Packet);
        }
    }
}
