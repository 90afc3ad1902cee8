namespace Pccl.Transport.Security;

/// <summary>
/// Hands back one byte that was already read from <paramref name="inner"/> before reading further, so the first
/// byte of a connection can be inspected and then given to <see cref="System.Net.Security.SslStream"/>.
/// Does not own <paramref name="inner"/>.
/// </summary>
internal sealed class PrefixReplayStream(Stream inner, byte prefix) : Stream
{
    private bool _prefixPending = true;

    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => inner.CanWrite;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        if (TryTakePrefix(buffer))
        {
            return 1;
        }

        return inner.Read(buffer);
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (TryTakePrefix(buffer.Span))
        {
            return ValueTask.FromResult(1);
        }

        return inner.ReadAsync(buffer, cancellationToken);
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

    private bool TryTakePrefix(Span<byte> buffer)
    {
        if (!_prefixPending || buffer.IsEmpty)
        {
            return false;
        }

        buffer[0] = prefix;
        _prefixPending = false;
        return true;
    }
}
