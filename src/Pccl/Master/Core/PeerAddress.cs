namespace Pccl.Master.Core;

/// <summary>
/// The address the master lists for a peer: the one the peer advertised (<c>network.advertise_address</c>), else the
/// source address of its control connection. Behind NAT or a load balancer the observed one is the translator's, which
/// other peers cannot dial; the advertised one is what the peer knows itself to be reachable at.
/// </summary>
internal readonly record struct PeerAddress(string Value, bool Advertised)
{
    /// <summary>Longest advertised address, the longest DNS name.</summary>
    public const int MaxLength = 253;

    /// <summary>Picks the address, or says why the advertised one is unusable.</summary>
    public static (PeerAddress Address, string? Problem) Choose(string observed, string advertised)
    {
        if (advertised.Length == 0)
        {
            return (new PeerAddress(observed, Advertised: false), null);
        }

        if (advertised.Length > MaxLength || Uri.CheckHostName(advertised) == UriHostNameType.Unknown)
        {
            return (default, $"advertised address '{Kernel.UntrustedText.Escape(advertised, 64)}' is not a host name or IP address: fix network.advertise_address");
        }

        return (new PeerAddress(advertised, Advertised: true), null);
    }

    /// <summary>
    /// Whether other peers would dial this address on their own host. For an observed address the shell knows (it saw the
    /// connection); an advertised one is judged from its text, the only thing the master has of it.
    /// </summary>
    public bool IsLoopback(bool connectionIsLoopback) => !Advertised
        ? connectionIsLoopback
        : string.Equals(Value, "localhost", StringComparison.OrdinalIgnoreCase) || (System.Net.IPAddress.TryParse(Value, out var ip) && System.Net.IPAddress.IsLoopback(ip));
}
