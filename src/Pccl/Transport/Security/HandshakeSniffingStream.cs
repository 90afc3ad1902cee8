namespace Pccl.Transport.Security;

/// <summary>
/// Sits between a transport and <see cref="System.Net.Security.SslStream"/> during and after the handshake. It can
/// hand back one byte the caller already read (the server peeks at the first byte to spot plaintext clients), and
/// it remembers the first byte the other side sent (the client uses it to spot a plaintext server).
/// Owns the transport only when <paramref name="ownsInner"/> is set.
/// </summary>
internal sealed class HandshakeSniffingStream(Stream inner, byte? replay = null, bool ownsInner = false) : Stream
{
    private bool _replayPending = replay.HasValue;

    /// <summary>The first byte received from the other side, or -1 when nothing has arrived.</summary>
    internal int FirstByteReceived { get; private set; } = replay ?? -1;

    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => inner.CanWrite;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        if (TryTakeReplay(buffer))
        {
            return 1;
        }

        var read = inner.Read(buffer);
        Observe(buffer[..read]);
        return read;
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (TryTakeReplay(buffer.Span))
        {
            return ValueTask.FromResult(1);
        }

        return FirstByteReceived >= 0 ? inner.ReadAsync(buffer, cancellationToken) : ReadObservedAsync(buffer, cancellationToken);
    }

    public override void Write(byte[] buffer, int offset, int count) => inner.Write(buffer, offset, count);

    public override void Write(ReadOnlySpan<byte> buffer) => inner.Write(buffer);

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        inner.WriteAsync(buffer, offset, count, cancellationToken);

    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default) =>
        inner.WriteAsync(buffer, cancellationToken);

    public override void Flush() => inner.Flush();

    public override Task FlushAsync(CancellationToken cancellationToken) => inner.FlushAsync(cancellationToken);

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing && ownsInner)
        {
            inner.Dispose();
        }

        base.Dispose(disposing);
    }

    public override async ValueTask DisposeAsync()
    {
        if (ownsInner)
        {
            await inner.DisposeAsync().ConfigureAwait(false);
        }

        await base.DisposeAsync().ConfigureAwait(false);
    }

    private async ValueTask<int> ReadObservedAsync(Memory<byte> buffer, CancellationToken cancellationToken)
    {
        var read = await inner.ReadAsync(buffer, cancellationToken);
        Observe(buffer.Span[..read]);
        return read;
    }

    private void Observe(ReadOnlySpan<byte> received)
    {
        if (FirstByteReceived < 0 && !received.IsEmpty)
        {
            FirstByteReceived = received[0];
        }
    }

    private bool TryTakeReplay(Span<byte> buffer)
    {
        if (!_replayPending || buffer.IsEmpty)
        {
            return false;
        }

        buffer[0] = replay!.Value;
        _replayPending = false;
        return true;
    }
}
