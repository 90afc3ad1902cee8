using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;

namespace Pccl.Transport.Security;

/// <summary>
/// Wraps a connected transport stream in TLS 1.2/1.3 for either side of a PCCL connection, using the certificate,
/// key and optional CA of <see cref="TlsOptions"/>. Every file is loaded and checked once, at construction.
/// </summary>
/// <remarks>
/// Ownership: with <c>ownsTransport</c> false (the default) the returned <see cref="SslStream"/> leaves the transport
/// open when disposed and the caller keeps owning it on success and on failure. With <c>ownsTransport</c> true the
/// SslStream owns the transport: disposing it closes the transport, and a failed handshake closes it too, except
/// for the "TLS required" refusal of a plaintext client, after which the caller may still answer in plaintext.
/// After the TLS handshake the server sends a verdict on the client's certificate, inside TLS: one byte (accepted),
/// or a refusal byte, a length byte and the reason in UTF-8. Under TLS 1.3 the server checks the client's
/// certificate only after the client has finished its half of the handshake, so without the verdict a refused
/// client would learn nothing until its first read, and then only that the connection closed.
/// Cipher suites: TLS 1.3's, and under TLS 1.2 only ECDHE with an AEAD cipher (AES-GCM, ChaCha20-Poly1305): no CBC,
/// no static RSA key exchange. Session resumption is off on both sides (no session cache, no ticket key): PCCL
/// connections live for a whole run, so resuming saves next to nothing, while a resumed session skips the certificate
/// check each connection is meant to pass and makes the ticket key one more secret to rotate. Under TLS 1.3 OpenSSL
/// still sends stateful tickets, which .NET cannot turn off; they name sessions that are never stored, so offering
/// one back gives a full handshake.
/// </remarks>
internal sealed class TlsStreamFactory : IDisposable
{
    /// <summary>First byte of a TLS record that carries a handshake message (every ClientHello and ServerHello).</summary>
    internal const byte TlsHandshakeRecord = 0x16;

    private const SslProtocols Protocols = SslProtocols.Tls12 | SslProtocols.Tls13;
    private const byte Accepted = 0xC5;
    private const byte Refused = 0xC6;
    private const int MaxRefusalBytes = 255;

    private static readonly TlsCipherSuite[] AeadSuites =
    [
        TlsCipherSuite.TLS_AES_128_GCM_SHA256,
        TlsCipherSuite.TLS_AES_256_GCM_SHA384,
        TlsCipherSuite.TLS_CHACHA20_POLY1305_SHA256,
        TlsCipherSuite.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
        TlsCipherSuite.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
        TlsCipherSuite.TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
        TlsCipherSuite.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
        TlsCipherSuite.TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
        TlsCipherSuite.TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
    ];

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
    /// and nothing is written, so the caller may still answer in plaintext), runs the handshake, and tells the
    /// client whether its certificate was accepted.
    /// </summary>
    internal async Task<SslStream> AuthenticateAsServerAsync(Stream transport, CancellationToken cancellationToken, bool ownsTransport = false)
    {
        ArgumentNullException.ThrowIfNull(transport);
        var first = new byte[1];
        if (await transport.ReadAsync(first, cancellationToken) == 0)
        {
            throw TlsFailure.ClosedBeforeHandshake();
        }

        if (first[0] != TlsHandshakeRecord)
        {
            throw TlsFailure.PlaintextClient(first[0]);
        }

        string? rejection = null;
        var options = new SslServerAuthenticationOptions
        {
            ServerCertificateContext = _context,
            ClientCertificateRequired = _verifier.IsMutual,
            EnabledSslProtocols = Protocols,
            CipherSuitesPolicy = CipherSuites(),
            AllowTlsResume = false,
            CertificateRevocationCheckMode = X509RevocationMode.NoCheck,
            // Always completes the handshake so the refusal and its reason can reach the client encrypted;
            // a refused client gets nothing but that reason before this method throws.
#pragma warning disable CA5359 // the verdict is enforced right after the handshake, see `rejection` below
            RemoteCertificateValidationCallback = (_, certificate, chain, errors) =>
            {
                rejection = _verifier.Verify(certificate, chain, errors, verifyingClient: true);
                return true;
            },
#pragma warning restore CA5359
        };

        var sniffer = new HandshakeSniffingStream(transport, first[0], ownsTransport);
        var ssl = new SslStream(sniffer, leaveInnerStreamOpen: !ownsTransport);
        try
        {
            await ssl.AuthenticateAsServerAsync(options, cancellationToken);
            if (_verifier.IsMutual && ssl.RemoteCertificate is null)
            {
                rejection ??= _verifier.Verify(null, null, SslPolicyErrors.RemoteCertificateNotAvailable, verifyingClient: true);
            }

            await ssl.WriteAsync(Verdict(rejection), cancellationToken);
            await ssl.FlushAsync(cancellationToken);
        }
        catch (Exception ex) when (ex is AuthenticationException or IOException)
        {
            await ssl.DisposeAsync();
            throw TlsFailure.Describe(ex, "client", sniffer.FirstByteReceived);
        }
        catch
        {
            await ssl.DisposeAsync();
            throw;
        }

        if (rejection is not null)
        {
            await ssl.DisposeAsync();
            throw TlsFailure.WeRefused(rejection, "client");
        }

        return ssl;
    }

    /// <summary>
    /// Client side. <paramref name="targetHost"/> is sent as SNI and, without a CA file, must match the server's
    /// certificate; with a CA file only the chain is checked.
    /// </summary>
    internal async Task<SslStream> AuthenticateAsClientAsync(Stream transport, string targetHost, CancellationToken cancellationToken,
        bool ownsTransport = false)
    {
        ArgumentNullException.ThrowIfNull(transport);
        string? rejection = null;
        var options = new SslClientAuthenticationOptions
        {
            TargetHost = targetHost,
            ClientCertificateContext = _verifier.IsMutual ? _context : null,
            EnabledSslProtocols = Protocols,
            CipherSuitesPolicy = CipherSuites(),
            AllowTlsResume = false,
            CertificateRevocationCheckMode = X509RevocationMode.NoCheck,
            RemoteCertificateValidationCallback = (_, certificate, chain, errors) =>
            {
                rejection = _verifier.Verify(certificate, chain, errors, verifyingClient: false);
                return rejection is null;
            },
        };

        var sniffer = new HandshakeSniffingStream(transport, ownsInner: ownsTransport);
        var ssl = new SslStream(sniffer, leaveInnerStreamOpen: !ownsTransport);
        try
        {
            await ssl.AuthenticateAsClientAsync(options, cancellationToken);
            await ReadVerdictAsync(ssl, cancellationToken);
            return ssl;
        }
        catch (Exception ex) when (ex is AuthenticationException or IOException)
        {
            await ssl.DisposeAsync();
            throw rejection is not null
                ? TlsFailure.WeRefused(rejection, "server")
                : TlsFailure.Describe(ex, "server", sniffer.FirstByteReceived);
        }
        catch
        {
            await ssl.DisposeAsync();
            throw;
        }
    }

    /// <summary>The AEAD-only policy; Windows' SChannel takes no per-connection policy and keeps its own defaults.</summary>
    private static CipherSuitesPolicy? CipherSuites() => OperatingSystem.IsWindows() ? null : new CipherSuitesPolicy(AeadSuites);

    private static byte[] Verdict(string? rejection)
    {
        if (rejection is null)
        {
            return [Accepted];
        }

        var reason = System.Text.Encoding.UTF8.GetBytes(rejection);
        var length = Math.Min(reason.Length, MaxRefusalBytes);
        var verdict = new byte[2 + length];
        verdict[0] = Refused;
        verdict[1] = (byte)length;
        reason.AsSpan(0, length).CopyTo(verdict.AsSpan(2));
        return verdict;
    }

    private static async Task ReadVerdictAsync(SslStream ssl, CancellationToken cancellationToken)
    {
        var head = new byte[2];
        if (await ssl.ReadAsync(head.AsMemory(0, 1), cancellationToken) == 0)
        {
            throw new IOException("The server closed the connection right after the TLS handshake.");
        }

        if (head[0] == Accepted)
        {
            return;
        }

        if (head[0] != Refused)
        {
            throw new PcclException(PcclErrorCode.ProtocolViolation,
                $"TLS handshake with the server failed: expected its certificate verdict, got 0x{head[0]:X2}; " +
                "is the server a PCCL process of the same version?");
        }

        await ssl.ReadExactlyAsync(head.AsMemory(1, 1), cancellationToken);
        var reason = new byte[head[1]];
        await ssl.ReadExactlyAsync(reason, cancellationToken);
        throw TlsFailure.ServerRefusedUs(System.Text.Encoding.UTF8.GetString(reason));
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
