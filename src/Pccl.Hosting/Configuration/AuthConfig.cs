using System.Net;
using System.Text;

namespace Pccl.Hosting.Configuration;

/// <summary>The <c>auth</c> section: shared-secret authentication and access control.</summary>
public sealed record AuthConfig
{
    /// <summary><c>enabled</c>: every connection runs the challenge-response, default false.</summary>
    public bool Enabled { get; init; }

    /// <summary><c>secret</c>: the shared secret; required when enabled. Never printed.</summary>
    public string? Secret { get; init; }

    /// <summary><c>allowed_networks</c>: networks peers may connect from; empty allows all.</summary>
    public IReadOnlyList<IPNetwork> AllowedNetworks { get; init; } = [];

    /// <summary><c>max_peers</c>: most peers the master admits; 0 means unlimited.</summary>
    public int MaxPeers { get; init; }

    /// <summary><c>max_handshakes_per_source</c>: most handshakes the master runs at once for one source address, 1..64, default 16.</summary>
    public int MaxHandshakesPerSource { get; init; } = 16;

    private bool PrintMembers(StringBuilder builder)
    {
        builder.Append("Enabled = ").Append(Enabled)
            .Append(", Secret = ").Append(Secret is null ? "unset" : "***")
            .Append(", AllowedNetworks = [").AppendJoin(", ", AllowedNetworks).Append(']')
            .Append(", MaxPeers = ").Append(MaxPeers)
            .Append(", MaxHandshakesPerSource = ").Append(MaxHandshakesPerSource);
        return true;
    }
}
