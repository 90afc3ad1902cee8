using System.Buffers;
using System.Buffers.Binary;
using System.Diagnostics;
using Pccl.Transport;

namespace Pccl.Operations.Topology;

/// <summary>The receiving end of a bandwidth measurement: counts what arrives for the duration the sender names and answers with the rate.</summary>
internal static class BandwidthSink
{
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
            long bytes = 0;
            int read;
            while (first > 0 && watch.Elapsed < duration && (read = await stream.ReadAsync(buffer, bound.Token).ConfigureAwait(false)) > 0)
            {
                bytes += read; // checked against the clock after each read, never cancelled mid-read: the stream stays whole for the answer
            }

            var elapsed = watch.Elapsed.TotalSeconds;
            await stream.WriteAsync(BenchWire.Reply(elapsed > 0 ? bytes / elapsed : 0), bound.Token).ConfigureAwait(false);
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
