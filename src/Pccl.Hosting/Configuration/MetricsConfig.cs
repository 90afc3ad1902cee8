namespace Pccl.Hosting.Configuration;

/// <summary>The <c>metrics</c> section: the Prometheus endpoint.</summary>
public sealed record MetricsConfig
{
    /// <summary><c>enabled</c>: serve <c>/metrics</c>, default false.</summary>
    public bool Enabled { get; init; }

    /// <summary><c>port</c>: HTTP port of the endpoint, default 9090.</summary>
    public int Port { get; init; } = 9090;

    /// <summary><c>bind_address</c>: address the endpoint binds to, default 0.0.0.0.</summary>
    public string BindAddress { get; init; } = "0.0.0.0";
}
