namespace Pccl.Transport;

/// <summary>
/// The security steps of a connection handshake: TLS around the socket stream, then shared-secret authentication
/// after the hello. With both off every step passes the stream through unchanged.
/// </summary>
internal class ConnectionSecurity
{
    public static ConnectionSecurity None { get; } = new();

    public virtual bool TlsEnabled => false;

    public virtual bool AuthEnabled => false;

    public virtual ValueTask<Stream> SecureClientAsync(Stream stream, string targetHost, CancellationToken ct) => ValueTask.FromResult(stream);

    public virtual ValueTask<Stream> SecureServerAsync(Stream stream, CancellationToken ct) => ValueTask.FromResult(stream);

    public virtual ValueTask AuthenticateClientAsync(Stream stream, ReadOnlyMemory<byte> transcript, CancellationToken ct) => ValueTask.CompletedTask;

    public virtual ValueTask AuthenticateServerAsync(Stream stream, ReadOnlyMemory<byte> transcript, CancellationToken ct) => ValueTask.CompletedTask;
}
