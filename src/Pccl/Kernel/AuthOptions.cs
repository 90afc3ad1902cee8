using System.Net;

namespace Pccl;

/// <summary>Shared-secret authentication and access control (seed: auth).</summary>
public sealed record AuthOptions
{
    /// <summary>Authentication off.</summary>
    public static AuthOptions Disabled { get; } = new();

    /// <summary>Whether every connection runs the challenge-response.</summary>
    public bool Enabled { get; init; }

    /// <summary>The shared secret. Never logged.</summary>
    public string? Secret { get; init; }

    /// <summary>Networks connections are accepted from; empty accepts every address.</summary>
    public IReadOnlyList<IPNetwork> AllowedNetworks { get; init; } = [];

    /// <summary>Most peers the master admits at once; 0 means unlimited.</summary>
    public int MaxPeers { get; init; }

    /// <summary>
    /// Most handshakes the master runs at once for one source (an IPv4 address or an IPv6 /64), 1 to 64 (the
    /// listener's overall limit). Raise it when many workers reach the master through one NAT address.
    /// </summary>
    public int MaxHandshakesPerSource { get; init; } = DefaultMaxHandshakesPerSource;

    /// <summary>The default of <see cref="MaxHandshakesPerSource"/>.</summary>
    internal const int DefaultMaxHandshakesPerSource = 16;

    /// <inheritdoc/>
    public override string ToString() =>
        $"AuthOptions {{ Enabled = {Enabled}, Secret = {(Secret is null ? "unset" : "***")}, " +
        $"AllowedNetworks = [{string.Join(", ", AllowedNetworks)}], MaxPeers = {MaxPeers}, MaxHandshakesPerSource = {MaxHandshakesPerSource} }}";
}
