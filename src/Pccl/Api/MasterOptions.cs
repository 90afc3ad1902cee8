namespace Pccl;

/// <summary>Options of an embedded or standalone master. Defaults are the seed chapter's.</summary>
public sealed record MasterOptions
{
    /// <summary>The defaults.</summary>
    public static MasterOptions Default { get; } = new();

    /// <summary>Address the control listener (TCP) and heartbeat socket (UDP) bind to.</summary>
    public string BindAddress { get; init; } = "0.0.0.0";

    /// <summary>Control port (TCP) and heartbeat port (UDP); 0 picks a free port.</summary>
    public int Port { get; init; } = 7117;

    /// <summary>Cluster id every hello must carry.</summary>
    public string ClusterId { get; init; } = "pccl";

    /// <summary>Heartbeat period peers use.</summary>
    public TimeSpan HeartbeatInterval { get; init; } = TimeSpan.FromMilliseconds(100);

    /// <summary>Silence after which a peer is removed.</summary>
    public TimeSpan HeartbeatTimeout { get; init; } = TimeSpan.FromMilliseconds(500);

    /// <summary>Limit for a connection's hello and authentication.</summary>
    public TimeSpan HandshakeTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>TLS settings; disabled by default.</summary>
    public TlsOptions Tls { get; init; } = TlsOptions.Disabled;

    /// <summary>Shared-secret authentication; disabled by default.</summary>
    public AuthOptions Auth { get; init; } = AuthOptions.Disabled;
}
