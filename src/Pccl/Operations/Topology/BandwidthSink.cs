using System.Buffers;
using System.Buffers.Binary;
using System.Diagnostics;
using Pccl.Transport;

namespace Pccl.Operations.Topology;

/// <summary>
/// The receiving end of a bandwidth measurement: reads what arrives for the duration the sender names and answers with
/// the rate of its second half. The first half is the sender's ramp-up (TCP's slow start takes several round trips
/// over a long path), which would put the rate of a fast, long path below what it carries once running.
/// </summary>
internal static class BandwidthSink
{
    /// <summary>The share of the duration read but not counted.</summary>
    private const double RampUpShare = 0.5;

    /// <summary>How long the receiver keeps reading after its answer for the sender to close.</summary>
    private static readonly TimeSpan DrainLimit = TimeSpan.FromSeconds(10);

    public static async ValueTask ServeAsync(EstablishedConnection connection)
    {
        await using var _ = connection.ConfigureAwait(false);
        var stream = connection.Stream;
        var buffer = ArrayPool<byte>.Shared.Rent(BenchWire.ChunkBytes);
        try
        {
            using var bound = new CancellationTokenSource(BenchWire.MaxDuration + DrainLimit);
            await stream.ReadExactlyAsync(buffer.AsMemory(0, BenchWire.HeaderBytes), bound.Token).ConfigureAwait(false);
            var duration = TimeSpan.FromMilliseconds(BinaryPrimitives.ReadUInt32LittleEndian(buffer));
            if (duration > BenchWire.MaxDuration || duration <= TimeSpan.Zero)
            {
                connection.Shutdown($"a bandwidth measurement of {duration.TotalMilliseconds:0} ms was asked for; at most {BenchWire.MaxDuration.TotalSeconds:0} s");
                return;
            }

            var first = await stream.ReadAsync(buffer, bound.Token).ConfigureAwait(false);
            var watch = Stopwatch.StartNew();
            var rampUp = duration * RampUpShare;
            long bytes = 0;
            var counting = TimeSpan.Zero;
            int read;
            while (first > 0 && watch.Elapsed < duration && (read = await stream.ReadAsync(buffer, bound.Token).ConfigureAwait(false)) > 0)
            {
                // checked against the clock after each read, never cancelled mid-read: the stream stays whole for the answer
                if (counting > TimeSpan.Zero)
                {
                    bytes += read;
                }
                else if (watch.Elapsed >= rampUp)
                {
                    counting = watch.Elapsed; // this read's bytes arrived before: counting starts after it
                }
            }

            var elapsed = (watch.Elapsed - counting).TotalSeconds;
            await stream.WriteAsync(BenchWire.Reply(counting > TimeSpan.Zero && elapsed > 0 ? bytes / elapsed : 0), bound.Token).ConfigureAwait(false);
            while (await stream.ReadAsync(buffer, bound.Token).ConfigureAwait(false) > 0)
            {
            }
        }
        catch (Exception e) when (e is IOException or OperationCanceledException or ObjectDisposedException)
        {
            // the sender went away or broke the measurement; it reports its own failure
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}
