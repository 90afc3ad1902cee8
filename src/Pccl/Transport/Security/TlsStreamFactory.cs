using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;

namespace Pccl.Transport.Security;

/// <summary>
/// Wraps a connected transport stream in TLS 1.2/1.3 for either side of a PCCL connection, using the certificate,
/// key and optional CA of <see cref="TlsOptions"/>. Every file is loaded and checked once, at construction.
/// </summary>
/// <remarks>
/// Ownership: the returned <see cref="SslStream"/> leaves the transport open when disposed; the caller keeps owning
/// and disposing the transport (and socket) on success and on failure.
/// After the TLS handshake the server sends one confirmation byte that the client waits for. Under TLS 1.3 the
/// server checks the client's certificate only after the client has finished its half of the handshake; the
/// confirmation makes a refused client certificate fail the client's handshake call rather than its first read.
/// </remarks>
internal sealed class TlsStreamFactory : IDisposable
{
    /// <summary>First byte of a TLS record that carries a handshake message (every ClientHello).</summary>
    internal const byte TlsHandshakeRecord = 0x16;

    private const SslProtocols Protocols = SslProtocols.Tls12 | SslProtocols.Tls13;
    private static readonly byte[] Confirmation = [0xC5];

    private readonly X509Certificate2 _certificate;
    private readonly X509Certificate2Collection _intermediates;
    private readonly X509Certificate2Collection? _authorities;
    private readonly SslStreamCertificateContext _context;
    private readonly TlsPeerVerifier _verifier;

    /// <summary>Loads and checks the files; throws <see cref="PcclErrorCode.InvalidConfiguration"/> naming the bad one.</summary>
    internal TlsStreamFactory(TlsOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _certificate = TlsCertificateLoader.LoadIdentity(options.CertFile, options.KeyFile);
        _intermediates = LoadIntermediates(options.CertFile!);
        _authorities = string.IsNullOrWhiteSpace(options.CaFile) ? null : TlsCertificateLoader.LoadAuthorities(options.CaFile);
        _context = SslStreamCertificateContext.Create(_certificate, _intermediates, offline: true);
        _verifier = new TlsPeerVerifier(_authorities);
    }

    /// <summary>Whether clients must present a certificate (a CA file is set).</summary>
    internal bool IsMutual => _verifier.IsMutual;

    /// <summary>
    /// Server side: checks that the client starts a TLS handshake (a plaintext PCCL hello fails with "TLS required"
    /// and nothing is written, so the caller may still answer in plaintext), then runs the handshake.
    /// </summary>
    internal async Task<SslStream> AuthenticateAsServerAsync(Stream transport, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(transport);
        var first = new byte[1];
        if (await transport.ReadAsync(first, cancellationToken) == 0)
        {
            throw TlsFailure.ClosedBeforeHandshake();
        }

        if (first[0] != TlsHandshakeRecord)
        {
            throw TlsFailure.PlaintextPeer(first[0]);
        }

        string? rejection = null;
        var options = new SslServerAuthenticationOptions
        {
            ServerCertificateContext = _context,
            ClientCertificateRequired = _verifier.IsMutual,
            EnabledSslProtocols = Protocols,
            CertificateRevocationCheckMode = X509RevocationMode.NoCheck,
            RemoteCertificateValidationCallback = (_, certificate, chain, errors) =>
            {
                rejection = _verifier.Verify(certificate, chain, errors, verifyingClient: true);
                return rejection is null;
            },
        };

        var ssl = new SslStream(new PrefixReplayStream(transport, first[0]), leaveInnerStreamOpen: true);
        try
        {
            await ssl.AuthenticateAsServerAsync(options, cancellationToken);
            await ssl.WriteAsync(Confirmation, cancellationToken);
            await ssl.FlushAsync(cancellationToken);
            return ssl;
        }
        catch (Exception ex) when (ex is AuthenticationException or IOException)
        {
            await ssl.DisposeAsync();
            throw TlsFailure.Describe(ex, rejection, "client");
        }
        catch
        {
            await ssl.DisposeAsync();
            throw;
        }
    }

    /// <summary>
    /// Client side. <paramref name="targetHost"/> is sent as SNI and, without a CA file, must match the server's
    /// certificate; with a CA file only the chain is checked.
    /// </summary>
    internal async Task<SslStream> AuthenticateAsClientAsync(Stream transport, string targetHost, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(transport);
        string? rejection = null;
        var options = new SslClientAuthenticationOptions
        {
            TargetHost = targetHost,
            ClientCertificateContext = _verifier.IsMutual ? _context : null,
            EnabledSslProtocols = Protocols,
            CertificateRevocationCheckMode = X509RevocationMode.NoCheck,
            RemoteCertificateValidationCallback = (_, certificate, chain, errors) =>
            {
                rejection = _verifier.Verify(certificate, chain, errors, verifyingClient: false);
                return rejection is null;
            },
        };

        var ssl = new SslStream(transport, leaveInnerStreamOpen: true);
        try
        {
            await ssl.AuthenticateAsClientAsync(options, cancellationToken);
            var confirmation = new byte[1];
            var read = await ssl.ReadAsync(confirmation, cancellationToken);
            if (read == 0)
            {
                throw new IOException("The server closed the connection right after the TLS handshake (0 bytes received).");
            }

            if (confirmation[0] != Confirmation[0])
            {
                throw new PcclException(PcclErrorCode.ProtocolViolation,
                    $"TLS handshake with the server failed: expected the TLS confirmation byte, got 0x{confirmation[0]:X2}; " +
                    "is the server a PCCL process of the same version?");
            }

            return ssl;
        }
        catch (Exception ex) when (ex is AuthenticationException or IOException)
        {
            await ssl.DisposeAsync();
            throw TlsFailure.Describe(ex, rejection, "server");
        }
        catch
        {
            await ssl.DisposeAsync();
            throw;
        }
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        _certificate.Dispose();
        foreach (var certificate in _intermediates)
        {
            certificate.Dispose();
        }

        foreach (var certificate in _authorities ?? [])
        {
            certificate.Dispose();
        }
    }

    private static X509Certificate2Collection LoadIntermediates(string certFile)
    {
        var all = new X509Certificate2Collection();
        all.ImportFromPemFile(certFile);
        var intermediates = new X509Certificate2Collection();
        for (var i = 1; i < all.Count; i++)
        {
            intermediates.Add(all[i]);
        }

        all[0].Dispose();
        return intermediates;
    }
}
