using System.Net.Security;

namespace Pccl.Transport.Security;

/// <summary>
/// The stream a TLS connection is used through: <see cref="SslStream"/> for the bytes, with each application write
/// sent as one batch of records by the <see cref="TlsRecordBatcher"/> under it. Disposing closes the connection.
/// </summary>
internal sealed class TlsConnectionStream(SslStream ssl, TlsRecordBatcher batcher) : Stream
{
    /// <summary>The TLS session (protocol, certificates), for diagnostics and tests.</summary>
    internal SslStream Ssl => ssl;

    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => true;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) => ssl.ReadAsync(buffer, cancellationToken);

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ssl.ReadAsync(buffer, offset, count, cancellationToken);

    public override int Read(byte[] buffer, int offset, int count) => ssl.Read(buffer, offset, count);

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        batcher.BeginBatch();
        try
        {
            await ssl.WriteAsync(buffer, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            await batcher.EndBatchAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override void Write(byte[] buffer, int offset, int count) => WriteAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

    public override void Flush() => ssl.Flush();

    public override Task FlushAsync(CancellationToken cancellationToken) => ssl.FlushAsync(cancellationToken);

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            ssl.Dispose();
        }

        base.Dispose(disposing);
    }

    public override async ValueTask DisposeAsync()
    {
        await ssl.DisposeAsync().ConfigureAwait(false);
        await base.DisposeAsync().ConfigureAwait(false);
    }
}
