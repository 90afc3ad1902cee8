using System.Net;

namespace Pccl.Transport.Security;

/// <summary>
/// Who may connect: an allow-list of networks (IPv4 and IPv6 CIDR; empty allows every address) and a cap on the
/// number of peers. Pure; the master calls <see cref="Check"/> for each new connection before its handshake.
/// </summary>
internal sealed class AccessPolicy
{
    private readonly IPNetwork[] _allowed;
    private readonly int _maxPeers;

    /// <summary>Every address, no peer limit.</summary>
    internal static AccessPolicy AllowAll { get; } = new([], maxPeers: 0);

    /// <summary>Creates a policy; <paramref name="maxPeers"/> of 0 means no limit.</summary>
    internal AccessPolicy(IEnumerable<IPNetwork> allowed, int maxPeers)
    {
        ArgumentNullException.ThrowIfNull(allowed);
        ArgumentOutOfRangeException.ThrowIfNegative(maxPeers);
        _allowed = [.. allowed];
        _maxPeers = maxPeers;
    }

    /// <summary>
    /// Parses CIDR strings ("10.0.0.0/8", "fd00::/8"; a bare address means just that host). A bad entry fails with
    /// <see cref="PcclErrorCode.InvalidConfiguration"/> naming <paramref name="configKey"/>.
    /// </summary>
    internal static AccessPolicy Parse(IEnumerable<string> networks, int maxPeers, string configKey)
    {
        ArgumentNullException.ThrowIfNull(networks);
        var parsed = new List<IPNetwork>();
        foreach (var text in networks)
        {
            var trimmed = text.Trim();
            if (IPNetwork.TryParse(trimmed, out var network))
            {
                // Some runtimes silently clear host bits; "10.0.0.1/8" is more likely a typo than a wish for 10.0.0.0/8.
                var slash = trimmed.IndexOf('/', StringComparison.Ordinal);
                if (!IPAddress.Parse(slash < 0 ? trimmed : trimmed[..slash]).Equals(network.BaseAddress))
                {
                    throw new PcclException(PcclErrorCode.InvalidConfiguration,
                        $"{configKey}: '{text}' has host bits set; write the network as {network} or the host as an address");
                }

                parsed.Add(network);
            }
            else if (IPAddress.TryParse(trimmed, out var host))
            {
                parsed.Add(new IPNetwork(host, host.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork ? 32 : 128));
            }
            else
            {
                throw new PcclException(PcclErrorCode.InvalidConfiguration,
                    $"{configKey}: '{text}' is not a network in CIDR form (e.g. 10.0.0.0/8 or fd00::/8) with the host bits zero");
            }
        }

        if (maxPeers < 0)
        {
            throw new PcclException(PcclErrorCode.InvalidConfiguration, $"the peer limit {maxPeers} is negative; use 0 for no limit");
        }

        return new AccessPolicy(parsed, maxPeers);
    }

    /// <summary>Null when another peer may join while <paramref name="currentPeers"/> are connected, otherwise why not.</summary>
    internal string? CheckPeerLimit(int currentPeers) =>
        _maxPeers > 0 && currentPeers >= _maxPeers ? $"cluster full: {currentPeers} of {_maxPeers} peers are connected" : null;

    /// <summary>Whether a connection from <paramref name="remote"/> may join while <paramref name="currentPeers"/> are connected.</summary>
    internal (bool Allowed, string? Reason) Check(IPAddress remote, int currentPeers)
    {
        ArgumentNullException.ThrowIfNull(remote);
        // Dual-stack listeners report IPv4 clients as ::ffff:a.b.c.d; compare them as the IPv4 address they are.
        var address = remote.IsIPv4MappedToIPv6 ? remote.MapToIPv4() : remote;
        if (_allowed.Length > 0 && !Array.Exists(_allowed, n => n.Contains(address)))
        {
            return (false, $"not allowed: address {address} is outside the allowed networks");
        }

        return CheckPeerLimit(currentPeers) is { } full ? (false, full) : (true, null);
    }
}
