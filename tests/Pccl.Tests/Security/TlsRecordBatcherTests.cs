using Pccl.Transport.Security;

namespace Pccl.Tests.Security;

/// <summary>The batcher under SslStream: bytes pass unchanged in order, and its buffers grow only for bulk traffic.</summary>
public class TlsRecordBatcherTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task ControlSizedTrafficKeepsTheSmallBuffers()
    {
        var wire = new CountingStream(Pattern(20_000, 1));
        await using var batcher = new TlsRecordBatcher(wire);

        var read = new byte[20_000];
        for (var offset = 0; offset < read.Length; offset += 517)
        {
            await batcher.ReadExactlyAsync(read.AsMemory(offset, Math.Min(517, read.Length - offset)), Ct);
        }

        batcher.BeginBatch();
        await batcher.WriteAsync(Pattern(300, 2), Ct);
        await batcher.WriteAsync(Pattern(400, 3), Ct);
        await batcher.EndBatchAsync(Ct);

        Assert.Equal(Pattern(20_000, 1), read);
        Assert.Equal([.. Pattern(300, 2), .. Pattern(400, 3)], wire.Written.ToArray());
        Assert.Equal(1, wire.Writes); // one batch, one socket call
        Assert.Equal(2 * TlsRecordBatcher.InitialBufferSize, batcher.BufferedCapacity);
    }

    [Fact]
    public async Task BulkTrafficGrowsBothBuffersAndStillArrivesInOrder()
    {
        const int bulk = 3 * TlsRecordBatcher.MaxBufferSize + 123;
        var wire = new CountingStream(Pattern(bulk, 4));
        await using var batcher = new TlsRecordBatcher(wire);

        var read = new byte[bulk];
        for (var offset = 0; offset < read.Length; offset += 16_389)
        {
            await batcher.ReadExactlyAsync(read.AsMemory(offset, Math.Min(16_389, read.Length - offset)), Ct);
        }

        // Records of one application write, as SslStream hands them over: more than the small buffer holds.
        var records = Enumerable.Range(0, 12).Select(i => Pattern(16_413, 10 + i)).ToArray();
        batcher.BeginBatch();
        foreach (var record in records)
        {
            await batcher.WriteAsync(record, Ct);
        }

        await batcher.EndBatchAsync(Ct);

        Assert.Equal(Pattern(bulk, 4), read);
        Assert.Equal(records.SelectMany(r => r).ToArray(), wire.Written.ToArray());
        Assert.Equal(1, wire.Writes); // 12 records of 16 KiB fit the grown buffer: one socket call
        Assert.Equal(2 * TlsRecordBatcher.MaxBufferSize, batcher.BufferedCapacity);
        Assert.True(wire.Reads <= bulk / TlsRecordBatcher.InitialBufferSize / 4, $"{wire.Reads} socket reads for {bulk} bytes: the read-ahead did not grow");
    }

    private static byte[] Pattern(int length, int seed)
    {
        var bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }

    /// <summary>A transport that serves <c>incoming</c> to reads and records writes, counting the calls.</summary>
    private sealed class CountingStream(byte[] incoming) : Stream
    {
        private readonly MemoryStream _incoming = new(incoming);

        public MemoryStream Written { get; } = new();

        public int Reads { get; private set; }

        public int Writes { get; private set; }

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count)
        {
            Reads++;
            return _incoming.Read(buffer, offset, count);
        }

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            Reads++;
            return ValueTask.FromResult(_incoming.Read(buffer.Span));
        }

        public override void Write(byte[] buffer, int offset, int count)
        {
            Writes++;
            Written.Write(buffer, offset, count);
        }

        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            Writes++;
            Written.Write(buffer.Span);
            return ValueTask.CompletedTask;
        }

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();
    }
}
