namespace Pccl.Hosting.Configuration;

/// <summary>The <c>metrics</c> section: the Prometheus endpoint.</summary>
public sealed record MetricsConfig
{
    /// <summary>
    /// <c>enabled</c>: serve <c>/metrics</c>; default false for applications that embed the library, while
    /// <c>pccl master</c> and <c>pccl worker</c> default it to true.
    /// </summary>
    public bool Enabled { get; init; }

    /// <summary><c>port</c>: HTTP port of the endpoint, default 9090; 0 picks a free port (several processes on one host).</summary>
    public int Port { get; init; } = 9090;

    /// <summary><c>bind_address</c>: address the endpoint binds to, default 0.0.0.0.</summary>
    public string BindAddress { get; init; } = "0.0.0.0";
}
