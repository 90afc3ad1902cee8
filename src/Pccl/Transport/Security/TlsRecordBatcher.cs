namespace Pccl.Transport.Security;

/// <summary>
/// Sits under <see cref="System.Net.Security.SslStream"/> and turns its one-socket-call-per-16-KiB-record habit into
/// few large socket calls: reads fill a 256 KiB read-ahead buffer, and the records of one application write are
/// gathered and sent together (<see cref="BeginBatch"/> / <see cref="EndBatchAsync"/>, driven by
/// <see cref="TlsConnectionStream"/>). Owns the transport.
/// </summary>
/// <remarks>
/// A write outside a batch (the TLS handshake, or a record SslStream sends on its own) goes out at once, after
/// anything gathered before it, so the order of records on the wire is always the order SslStream wrote them.
/// </remarks>
internal sealed class TlsRecordBatcher(Stream transport) : Stream
{
    private const int BufferSize = 256 * 1024;

    private readonly byte[] _readBuffer = new byte[BufferSize];
    private readonly byte[] _writeBuffer = new byte[BufferSize];
    private readonly SemaphoreSlim _writeGate = new(1, 1);
    private int _readStart;
    private int _readEnd;
    private int _pending;
    private volatile bool _batching;

    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => true;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    /// <summary>Starts gathering writes; the caller ends the batch with <see cref="EndBatchAsync"/>.</summary>
    internal void BeginBatch() => _batching = true;

    /// <summary>Sends everything gathered since <see cref="BeginBatch"/>.</summary>
    internal async ValueTask EndBatchAsync(CancellationToken cancellationToken)
    {
        _batching = false;
        await _writeGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await SendPendingAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _writeGate.Release();
        }
    }

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (_readStart < _readEnd)
        {
            return ValueTask.FromResult(TakeBuffered(buffer.Span));
        }

        return buffer.Length >= BufferSize ? transport.ReadAsync(buffer, cancellationToken) : FillAndTakeAsync(buffer, cancellationToken);
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        if (_readStart == _readEnd)
        {
            _readStart = 0;
            _readEnd = transport.Read(_readBuffer);
        }

        return TakeBuffered(buffer);
    }

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        await _writeGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_batching && buffer.Length <= BufferSize - _pending)
            {
                buffer.Span.CopyTo(_writeBuffer.AsSpan(_pending));
                _pending += buffer.Length;
                return;
            }

            await SendPendingAsync(cancellationToken).ConfigureAwait(false);
            if (_batching && buffer.Length < BufferSize)
            {
                buffer.Span.CopyTo(_writeBuffer);
                _pending = buffer.Length;
                return;
            }

            await transport.WriteAsync(buffer, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _writeGate.Release();
        }
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override void Write(byte[] buffer, int offset, int count) => WriteAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

    public override void Flush()
    {
    }

    /// <summary>Inside a batch the batch's end sends; outside one nothing is held back.</summary>
    public override Task FlushAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            transport.Dispose();
        }

        base.Dispose(disposing);
    }

    public override async ValueTask DisposeAsync()
    {
        await transport.DisposeAsync().ConfigureAwait(false);
        await base.DisposeAsync().ConfigureAwait(false);
    }

    private async ValueTask<int> FillAndTakeAsync(Memory<byte> buffer, CancellationToken cancellationToken)
    {
        var read = await transport.ReadAsync(_readBuffer, cancellationToken).ConfigureAwait(false);
        _readStart = 0;
        _readEnd = read;
        return read == 0 ? 0 : TakeBuffered(buffer.Span);
    }

    private int TakeBuffered(Span<byte> destination)
    {
        var count = Math.Min(destination.Length, _readEnd - _readStart);
        _readBuffer.AsSpan(_readStart, count).CopyTo(destination);
        _readStart += count;
        return count;
    }

    private async ValueTask SendPendingAsync(CancellationToken cancellationToken)
    {
        if (_pending > 0)
        {
            var count = _pending;
            _pending = 0;
            await transport.WriteAsync(_writeBuffer.AsMemory(0, count), cancellationToken).ConfigureAwait(false);
        }
    }
}
