namespace Pccl.Hosting.Telemetry;

/// <summary>Where the monitoring endpoint listens (config section <c>metrics</c>).</summary>
public sealed record MonitoringServerOptions
{
    /// <summary>The default port, as in the deployment guide (<c>:9090/metrics</c>).</summary>
    public const int DefaultPort = 9090;

    /// <summary>
    /// The IP address to bind (config key metrics.bind_address): <c>0.0.0.0</c> (all IPv4 interfaces,
    /// the default so that Prometheus can scrape from another host), <c>::</c>, <c>127.0.0.1</c>, or
    /// <c>localhost</c> (loopback only).
    /// </summary>
    public string BindAddress { get; init; } = "0.0.0.0";

    /// <summary>The TCP port (config key metrics.port); 0 picks a free one (see <see cref="MonitoringServer.Port"/>).</summary>
    public int Port { get; init; } = DefaultPort;

    /// <summary>
    /// When set, <see cref="Port"/> is ignored and the first free port of this range is bound (a worker's default, so
    /// that several share a host); when every one is taken, starting fails naming the range.
    /// </summary>
    public PortRange? Ports { get; init; }
}
