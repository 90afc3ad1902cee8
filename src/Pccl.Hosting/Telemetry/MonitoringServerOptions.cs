using System.Text;

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

    /// <summary>
    /// When set, <c>/metrics</c> and <c>/status</c> demand <c>Authorization: Bearer</c> with this token and answer 401
    /// otherwise (config key metrics.bearer_token); <c>/healthz</c> and <c>/readyz</c> stay open for probes.
    /// </summary>
    public string? BearerToken { get; init; }

    /// <summary>A file holding the token instead, read at start (metrics.bearer_token_file).</summary>
    public string? BearerTokenFile { get; init; }

    /// <summary>PEM certificate to serve HTTPS with (metrics.tls.cert_file); plain HTTP when null.</summary>
    public string? TlsCertFile { get; init; }

    /// <summary>PEM private key of <see cref="TlsCertFile"/> (metrics.tls.key_file).</summary>
    public string? TlsKeyFile { get; init; }

    private bool PrintMembers(StringBuilder builder)
    {
        builder.Append("BindAddress = ").Append(BindAddress).Append(", Port = ").Append(Port).Append(", Ports = ").Append(Ports)
            .Append(", BearerToken = ").Append(BearerToken is null ? "unset" : "***").Append(", BearerTokenFile = ").Append(BearerTokenFile)
            .Append(", TlsCertFile = ").Append(TlsCertFile).Append(", TlsKeyFile = ").Append(TlsKeyFile);
        return true;
    }
}
