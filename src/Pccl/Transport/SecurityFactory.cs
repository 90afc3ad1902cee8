using Pccl.Transport.Security;

namespace Pccl.Transport;

/// <summary>Builds the handshake's security steps from the options.</summary>
internal static class SecurityFactory
{
    /// <summary>
    /// Loads and checks every file and setting now, so a bad one is a startup error naming it
    /// (<see cref="PcclErrorCode.InvalidConfiguration"/>). Returns <see cref="ConnectionSecurity.None"/> when nothing is on.
    /// </summary>
    public static ConnectionSecurity Create(TlsOptions tls, AuthOptions auth)
    {
        ArgumentNullException.ThrowIfNull(tls);
        ArgumentNullException.ThrowIfNull(auth);
        if (!tls.Enabled && !auth.Enabled && auth.AllowedNetworks.Count == 0 && auth.MaxPeers == 0)
        {
            return ConnectionSecurity.None;
        }

        return new ClusterSecurity(tls, auth);
    }
}
