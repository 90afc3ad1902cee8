using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Pccl.Transport.Security;

/// <summary>
/// Loads the PEM files named by <see cref="TlsOptions"/> and turns every way they can be wrong into an
/// <see cref="PcclErrorCode.InvalidConfiguration"/> error that names the file and its configuration key.
/// </summary>
internal static class TlsCertificateLoader
{
    internal const string CertFileKey = "network.tls.cert_file";
    internal const string KeyFileKey = "network.tls.key_file";
    internal const string CaFileKey = "network.tls.ca_file";

    /// <summary>Loads the certificate and its private key, ready for <see cref="System.Net.Security.SslStream"/>.</summary>
    internal static X509Certificate2 LoadIdentity(string? certFile, string? keyFile)
    {
        RequireReadable(certFile, CertFileKey);
        RequireReadable(keyFile, KeyFileKey);

        X509Certificate2 pem;
        try
        {
            pem = X509Certificate2.CreateFromPemFile(certFile!, keyFile);
        }
        catch (Exception ex) when (ex is CryptographicException or ArgumentException &&
                                   ex.Message.Contains("does not match", StringComparison.OrdinalIgnoreCase))
        {
            throw Invalid($"{KeyFileKey} '{keyFile}' does not hold the private key of {CertFileKey} '{certFile}'; " +
                          "use the key the certificate was issued for", ex);
        }
        catch (Exception ex) when (ex is CryptographicException or ArgumentException)
        {
            throw Invalid($"{CertFileKey} '{certFile}' and {KeyFileKey} '{keyFile}' could not be loaded as a PEM certificate " +
                          $"and PEM private key ({ex.Message}); check both files are PEM ('-----BEGIN ...')", ex);
        }

        using (pem)
        {
            // A PEM-loaded key is ephemeral; SslStream on some platforms needs a key it can re-open, so round-trip through PKCS#12.
            return X509CertificateLoader.LoadPkcs12(pem.Export(X509ContentType.Pkcs12), password: null);
        }
    }

    /// <summary>Loads every certificate of the CA file; at least one is required.</summary>
    internal static X509Certificate2Collection LoadAuthorities(string caFile)
    {
        RequireReadable(caFile, CaFileKey);
        var authorities = new X509Certificate2Collection();
        try
        {
            authorities.ImportFromPemFile(caFile);
        }
        catch (CryptographicException ex)
        {
            throw Invalid($"{CaFileKey} '{caFile}' is not a PEM certificate file ({ex.Message})", ex);
        }

        if (authorities.Count == 0)
        {
            throw Invalid($"{CaFileKey} '{caFile}' holds no certificate; it must contain the CA certificate in PEM form", null);
        }

        return authorities;
    }

    private static void RequireReadable(string? path, string key)
    {
        if (string.IsNullOrWhiteSpace(path))
        {
            throw Invalid($"{key} is required when network.tls.enabled is true", null);
        }

        if (!File.Exists(path))
        {
            throw Invalid($"{key} '{path}' does not exist", null);
        }

        try
        {
            using var probe = File.OpenRead(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw Invalid($"{key} '{path}' cannot be read ({ex.Message}); check its permissions", ex);
        }
    }

    private static PcclException Invalid(string message, Exception? inner) =>
        new(PcclErrorCode.InvalidConfiguration, message, isTransient: false, inner);
}
