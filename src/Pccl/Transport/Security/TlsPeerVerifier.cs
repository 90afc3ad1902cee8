using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Pccl.Transport.Security;

/// <summary>
/// Decides whether the other side's certificate is acceptable and, when not, says why in words a user can act on.
/// </summary>
/// <remarks>
/// With a CA file the chain is built against that CA alone (custom root trust; the system store is ignored) and
/// the host name is not checked: peers reach each other by IP address, and every certificate the private CA signs
/// is a member of the cluster, so the CA signature is the identity. Without a CA file the server's certificate is
/// verified the ordinary way (system store and host name) and clients present no certificate.
/// With a CA file the certificate must also be meant for the role it is used in: a client's must allow TLS client
/// authentication and a server's TLS server authentication (extended key usage; a certificate without that extension
/// allows every use, as RFC 5280 says). A certificate the CA issued for code signing or e-mail is not a member's.
/// </remarks>
internal sealed class TlsPeerVerifier
{
    private static readonly Oid ServerAuthentication = new("1.3.6.1.5.5.7.3.1", "TLS Web Server Authentication");
    private static readonly Oid ClientAuthentication = new("1.3.6.1.5.5.7.3.2", "TLS Web Client Authentication");

    private readonly X509Certificate2Collection? _authorities;

    internal TlsPeerVerifier(X509Certificate2Collection? authorities) => _authorities = authorities;

    /// <summary>Whether a CA file is set, which makes TLS mutual.</summary>
    internal bool IsMutual => _authorities is not null;

    /// <summary>Returns null when the certificate is accepted, otherwise the reason it is refused.</summary>
    internal string? Verify(X509Certificate? certificate, X509Chain? chain, SslPolicyErrors errors, bool verifyingClient)
    {
        if (_authorities is null)
        {
            return verifyingClient ? null : DescribeSystemErrors(errors, chain);
        }

        if (certificate is null)
        {
            return "no certificate was presented; with network.tls.ca_file set, every process needs network.tls.cert_file " +
                   "and network.tls.key_file signed by that CA";
        }

        using var own = new X509Chain();
        own.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        own.ChainPolicy.CustomTrustStore.AddRange(_authorities);
        own.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        own.ChainPolicy.ApplicationPolicy.Add(verifyingClient ? ClientAuthentication : ServerAuthentication);
        if (chain is not null)
        {
            // Intermediates the peer sent; the extra store only helps path building, it grants no trust.
            foreach (var element in chain.ChainElements)
            {
                own.ChainPolicy.ExtraStore.Add(element.Certificate);
            }
        }

        var leaf = certificate as X509Certificate2 ?? X509CertificateLoader.LoadCertificate(certificate.GetRawCertData());
        try
        {
            return own.Build(leaf) ? null : DescribeChain(own.ChainStatus, leaf, verifyingClient);
        }
        finally
        {
            if (!ReferenceEquals(leaf, certificate))
            {
                leaf.Dispose();
            }
        }
    }

    private static string? DescribeSystemErrors(SslPolicyErrors errors, X509Chain? chain)
    {
        if (errors == SslPolicyErrors.None)
        {
            return null;
        }

        if (errors.HasFlag(SslPolicyErrors.RemoteCertificateNotAvailable))
        {
            return "no certificate was presented";
        }

        if (errors.HasFlag(SslPolicyErrors.RemoteCertificateChainErrors))
        {
            var status = chain?.ChainStatus ?? [];
            var leaf = chain is { ChainElements.Count: > 0 } ? chain.ChainElements[0].Certificate : null;
            return DescribeChain(status, leaf, verifyingClient: false) + "; set network.tls.ca_file to trust a private CA";
        }

        return "the certificate does not name the address we connected to (host name mismatch); " +
               "use a certificate for that name or set network.tls.ca_file to a private CA";
    }

    private static string DescribeChain(X509ChainStatus[] status, X509Certificate2? leaf, bool verifyingClient)
    {
        var flags = status.Aggregate(X509ChainStatusFlags.NoError, (all, s) => all | s.Status);
        if (flags.HasFlag(X509ChainStatusFlags.NotValidForUsage))
        {
            var role = verifyingClient ? "client" : "server";
            var usages = leaf?.Extensions.OfType<X509EnhancedKeyUsageExtension>().SelectMany(e => e.EnhancedKeyUsages.Cast<Oid>())
                .Select(o => o.FriendlyName ?? o.Value).ToArray() ?? [];
            return $"the certificate is not valid for TLS {role} authentication (its extended key usage allows only: {string.Join(", ", usages)}); " +
                   "issue member certificates with extendedKeyUsage=serverAuth,clientAuth";
        }

        if (flags.HasFlag(X509ChainStatusFlags.NotTimeValid))
        {
            var validity = leaf is null ? "" : $" (valid {leaf.NotBefore.ToUniversalTime():u} to {leaf.NotAfter.ToUniversalTime():u})";
            return $"the certificate has expired or is not yet valid{validity}; issue a new one";
        }

        if (flags.HasFlag(X509ChainStatusFlags.UntrustedRoot) || flags.HasFlag(X509ChainStatusFlags.PartialChain))
        {
            var issuer = leaf is null ? "" : $" (issuer '{leaf.Issuer}')";
            return $"the certificate is not signed by a trusted CA{issuer}: unknown CA";
        }

        var details = string.Join("; ", status.Select(s => s.StatusInformation.Trim()).Where(s => s.Length > 0));
        return $"the certificate chain is invalid ({flags}{(details.Length > 0 ? ": " + details : "")})";
    }
}
