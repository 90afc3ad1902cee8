using System.Text;

namespace Pccl.Hosting.Configuration;

/// <summary>The <c>metrics</c> section: the Prometheus endpoint.</summary>
public sealed record MetricsConfig
{
    /// <summary>The master's metrics port when <see cref="Port"/> is unset, as in the deployment guide (<c>:9090/metrics</c>).</summary>
    public const int MasterDefaultPort = Telemetry.MonitoringServerOptions.DefaultPort;

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

    /// <summary>
    /// <c>bearer_token</c>: when set, <c>/metrics</c> and <c>/status</c> answer only requests carrying
    /// <c>Authorization: Bearer</c> with this token (<c>/healthz</c> and <c>/readyz</c> stay open for probes). Never printed.
    /// </summary>
    public string? BearerToken { get; init; }

    /// <summary><c>bearer_token_file</c>: a file holding the token instead (a mounted secret); one of the two at most.</summary>
    public string? BearerTokenFile { get; init; }

    /// <summary><c>tls</c>: HTTPS for the endpoint, off by default.</summary>
    public MetricsTlsConfig Tls { get; init; } = new();

    /// <summary>
    /// Where a process of <paramref name="role"/> serves this endpoint. An unset <see cref="Port"/> means the role's
    /// default: the master's fixed <see cref="MasterDefaultPort"/>, or the first free port of
    /// <see cref="WorkerDefaultPorts"/>, so that a master and many workers share a host with no configuration.
    /// </summary>
    public Telemetry.MonitoringServerOptions ToServerOptions(PcclRole role)
    {
        var options = new Telemetry.MonitoringServerOptions
        {
            BindAddress = BindAddress,
            BearerToken = BearerToken,
            BearerTokenFile = BearerTokenFile,
            TlsCertFile = Tls.Enabled ? Tls.CertFile : null,
            TlsKeyFile = Tls.Enabled ? Tls.KeyFile : null,
        };
        return (Port, role) switch
        {
            ({ } port, _) => options with { Port = port },
            (null, PcclRole.Master) => options with { Port = MasterDefaultPort },
            (null, _) => options with { Ports = WorkerDefaultPorts },
        };
    }

    private bool PrintMembers(StringBuilder builder)
    {
        builder.Append("Enabled = ").Append(Enabled)
            .Append(", Port = ").Append(Port?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "unset")
            .Append(", BindAddress = ").Append(BindAddress)
            .Append(", BearerToken = ").Append(BearerToken is null ? "unset" : "***")
            .Append(", BearerTokenFile = ").Append(BearerTokenFile ?? "unset")
            .Append(", Tls = ").Append(Tls);
        return true;
    }
}
