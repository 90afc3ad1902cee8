using Pccl.Transport.Heartbeats;
using Pccl.Transport.Security;

namespace Pccl.Transport;

/// <summary>
/// The security steps of a connection handshake: TLS around the socket stream, then shared-secret authentication
/// after the hello; plus who may connect and how heartbeats are signed. With everything off every step passes the
/// stream through unchanged.
/// </summary>
internal class ConnectionSecurity : IDisposable
{
    public static ConnectionSecurity None { get; } = new();

    public virtual bool TlsEnabled => false;

    public virtual bool AuthEnabled => false;

    /// <summary>Source networks and peer limit; checked by every listener after the hello.</summary>
    public virtual AccessPolicy Access => AccessPolicy.AllowAll;

    /// <summary>
    /// Signs and checks the heartbeat datagrams of <paramref name="peerId"/>'s session, keyed from the
    /// <paramref name="credentials"/> the master handed it at registration (and the shared secret, when auth is on).
    /// </summary>
    public virtual IHeartbeatMac HeartbeatMacFor(ulong peerId, HeartbeatCredentials credentials) =>
        HeartbeatAuthenticator.ForSession(peerId, credentials, clusterKey: []);

    /// <summary>Wraps a connected stream; the result owns <paramref name="stream"/>, also when this throws.</summary>
    public virtual ValueTask<Stream> SecureClientAsync(Stream stream, string targetHost, CancellationToken ct) => ValueTask.FromResult(stream);

    /// <summary>
    /// Wraps an accepted stream; the result owns <paramref name="stream"/>. When this throws, <paramref name="stream"/>
    /// is closed, except after a "TLS required" refusal, when the caller may still answer in plaintext.
    /// </summary>
    public virtual ValueTask<Stream> SecureServerAsync(Stream stream, CancellationToken ct) => ValueTask.FromResult(stream);

    public virtual ValueTask AuthenticateClientAsync(Stream stream, ReadOnlyMemory<byte> transcript, CancellationToken ct) => ValueTask.CompletedTask;

    public virtual ValueTask AuthenticateServerAsync(Stream stream, ReadOnlyMemory<byte> transcript, CancellationToken ct) => ValueTask.CompletedTask;

    /// <inheritdoc/>
    public void Dispose()
    {
        Dispose(true);
        GC.SuppressFinalize(this);
    }

    /// <summary>Releases certificates and keys.</summary>
    protected virtual void Dispose(bool disposing)
    {
    }
}
