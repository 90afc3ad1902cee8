namespace Pccl.Transport.Security;

/// <summary>
/// Sits under <see cref="System.Net.Security.SslStream"/> and turns its one-socket-call-per-16-KiB-record habit into
/// few large socket calls: reads fill a read-ahead buffer, and the records of one application write are gathered and
/// sent together (<see cref="BeginBatch"/> / <see cref="EndBatchAsync"/>, driven by <see cref="TlsConnectionStream"/>).
/// Owns the transport.
/// </summary>
/// <remarks>
/// <para>
/// Both buffers start at <see cref="InitialBufferSize"/> and grow to <see cref="MaxBufferSize"/> only when the
/// connection carries bulk data (a read fills the read-ahead, a batch outgrows the write buffer): a master holds one
/// control connection per peer, and 512 KiB for each would be half a gigabyte at a thousand peers.
/// </para>
/// A write outside a batch (the TLS handshake, or a record SslStream sends on its own) goes out at once, after
/// anything gathered before it, so the order of records on the wire is always the order SslStream wrote them.
/// </remarks>
internal sealed class TlsRecordBatcher(Stream transport) : Stream
{
    /// <summary>Each buffer's size on a new connection: two full TLS records.</summary>
    internal const int InitialBufferSize = 32 * 1024;

    /// <summary>Each buffer's size once the connection has carried bulk data.</summary>
    internal const int MaxBufferSize = 256 * 1024;

    private byte[] _readBuffer = new byte[InitialBufferSize];
    private byte[] _writeBuffer = new byte[InitialBufferSize];
    private readonly SemaphoreSlim _writeGate = new(1, 1);
    private int _readStart;
    private int _readEnd;
    private int _pending;
    private volatile bool _batching;

    /// <summary>Bytes held by the read-ahead and write buffers.</summary>
    internal int BufferedCapacity => _readBuffer.Length + _writeBuffer.Length;

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

        return buffer.Length >= MaxBufferSize ? transport.ReadAsync(buffer, cancellationToken) : FillAndTakeAsync(buffer, cancellationToken);
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        if (_readStart == _readEnd)
        {
            GrowReadBufferIfFull();
            var filled = transport.Read(_readBuffer); // both ends set after the read: a failed read leaves nothing stale to take
            _readStart = 0;
            _readEnd = filled;
        }

        return TakeBuffered(buffer);
    }

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        await _writeGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_batching)
            {
                GrowWriteBufferFor(buffer.Length);
            }

            if (_batching && buffer.Length <= _writeBuffer.Length - _pending)
            {
                buffer.Span.CopyTo(_writeBuffer.AsSpan(_pending));
                _pending += buffer.Length;
                return;
            }

            await SendPendingAsync(cancellationToken).ConfigureAwait(false);
            if (_batching && buffer.Length < _writeBuffer.Length)
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
        GrowReadBufferIfFull();
        var read = await transport.ReadAsync(_readBuffer, cancellationToken).ConfigureAwait(false);
        _readStart = 0;
        _readEnd = read;
        return read == 0 ? 0 : TakeBuffered(buffer.Span);
    }

    /// <summary>A batch that outgrows the small write buffer is bulk data: move what it holds to a full-size one.</summary>
    private void GrowWriteBufferFor(int length)
    {
        if (length > _writeBuffer.Length - _pending && _writeBuffer.Length < MaxBufferSize)
        {
            var grown = new byte[MaxBufferSize];
            _writeBuffer.AsSpan(0, _pending).CopyTo(grown);
            _writeBuffer = grown;
        }
    }

    /// <summary>Called with the read-ahead empty: a last fill that filled it means more was waiting, so read more at once.</summary>
    private void GrowReadBufferIfFull()
    {
        if (_readEnd == _readBuffer.Length && _readBuffer.Length < MaxBufferSize)
        {
            _readBuffer = new byte[MaxBufferSize];
            _readStart = _readEnd = 0; // consistent even if the fill that follows fails
        }
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
