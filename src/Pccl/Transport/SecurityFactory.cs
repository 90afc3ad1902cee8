namespace Pccl.Transport;

/// <summary>Builds the handshake's security steps from the options.</summary>
internal static class SecurityFactory
{
    public static ConnectionSecurity Create(TlsOptions tls, AuthOptions auth) => ConnectionSecurity.None;
}
