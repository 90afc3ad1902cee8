namespace Pccl.Hosting.Configuration;

/// <summary>The <c>metrics</c> section: the Prometheus endpoint.</summary>
public sealed record MetricsConfig
{
    /// <summary>The master's metrics port when <see cref="Port"/> is unset, as in the deployment guide (<c>:9090/metrics</c>).</summary>
    public const int MasterDefaultPort = 9090;

    /// <summary>
    /// The ports a worker tries, first free wins, when <see cref="Port"/> is unset: one per worker on a host, as many as
    /// the default p2p range, above the master's 9090 so a master and its workers share a host in any start order.
    /// </summary>
    public static PortRange WorkerDefaultPorts => new(9091, 9123);

    /// <summary>
    /// <c>enabled</c>: serve <c>/metrics</c>; default false for applications that embed the library, while
    /// <c>pccl master</c> and <c>pccl worker</c> default it to true.
    /// </summary>
    public bool Enabled { get; init; }

    /// <summary>
    /// <c>port</c>: HTTP port of the endpoint; 0 picks any free port. Unset (the default): the master takes
    /// <see cref="MasterDefaultPort"/>, a worker the first free port of <see cref="WorkerDefaultPorts"/>. A port that is
    /// set and taken is an error naming this key.
    /// </summary>
    public int? Port { get; init; }

    /// <summary><c>bind_address</c>: address the endpoint binds to, default 0.0.0.0.</summary>
    public string BindAddress { get; init; } = "0.0.0.0";
}
