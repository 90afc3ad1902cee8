using Pccl.Transport.Heartbeats;

namespace Pccl.Transport.Security;

/// <summary>
/// The security of a cluster as configured: TLS from <see cref="TlsOptions"/> (files loaded and checked at
/// construction), the shared-secret challenge-response and the secret's share of every heartbeat key from
/// <see cref="AuthOptions"/>, and the access policy (allowed networks, peer limit).
/// </summary>
internal sealed class ClusterSecurity : ConnectionSecurity
{
    private readonly TlsStreamFactory? _tls;
    private readonly SecretAuthenticator? _secret;
    private readonly byte[] _heartbeatClusterKey = [];
    private readonly AccessPolicy _access;

    /// <summary>Throws <see cref="PcclErrorCode.InvalidConfiguration"/> naming the bad file or key.</summary>
    internal ClusterSecurity(TlsOptions tls, AuthOptions auth)
    {
        if (auth.MaxPeers < 0)
        {
            throw new PcclException(PcclErrorCode.InvalidConfiguration, $"auth.max_peers is {auth.MaxPeers}; use 0 for no limit or a positive count");
        }

        _access = new AccessPolicy(auth.AllowedNetworks, auth.MaxPeers);
        if (auth.Enabled)
        {
            _secret = SecretAuthenticator.FromOptions(auth);
            _heartbeatClusterKey = ClusterSecretKeys.Derive(System.Text.Encoding.UTF8.GetBytes(auth.Secret!), HeartbeatAuthenticator.ClusterKeyPurpose);
        }

        _tls = tls.Enabled ? new TlsStreamFactory(tls) : null;
    }

    public override bool TlsEnabled => _tls is not null;

    public override bool AuthEnabled => _secret is not null;

    public override AccessPolicy Access => _access;

    public override IHeartbeatMac HeartbeatMacFor(ulong peerId, HeartbeatCredentials credentials) =>
        HeartbeatAuthenticator.ForSession(peerId, credentials, _heartbeatClusterKey);

    public override async ValueTask<Stream> SecureClientAsync(Stream stream, string targetHost, CancellationToken ct)
    {
        if (_tls is null)
        {
            return stream;
        }

        var batcher = new TlsRecordBatcher(stream);
        try
        {
            return new TlsConnectionStream(await _tls.AuthenticateAsClientAsync(batcher, targetHost, ct, ownsTransport: true).ConfigureAwait(false), batcher);
        }
        catch
        {
            await batcher.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    public override async ValueTask<Stream> SecureServerAsync(Stream stream, CancellationToken ct)
    {
        if (_tls is null)
        {
            return stream;
        }

        // After a "TLS required" refusal nothing was closed: the caller answers the plaintext client on the raw stream.
        var batcher = new TlsRecordBatcher(stream);
        return new TlsConnectionStream(await _tls.AuthenticateAsServerAsync(batcher, ct, ownsTransport: true).ConfigureAwait(false), batcher);
    }

    public override async ValueTask AuthenticateClientAsync(Stream stream, ReadOnlyMemory<byte> transcript, CancellationToken ct)
    {
        if (_secret is not null)
        {
            await _secret.RunClientAsync(stream, transcript, ct).ConfigureAwait(false);
        }
    }

    public override async ValueTask AuthenticateServerAsync(Stream stream, ReadOnlyMemory<byte> transcript, CancellationToken ct)
    {
        if (_secret is not null)
        {
            await _secret.RunServerAsync(stream, transcript, ct).ConfigureAwait(false);
        }
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _tls?.Dispose();
        }

        base.Dispose(disposing);
    }
}
