namespace Pccl.Hosting.Configuration;

/// <summary>The <c>metrics.tls</c> section: HTTPS for the monitoring endpoint.</summary>
public sealed record MetricsTlsConfig
{
    /// <summary><c>enabled</c>: serve the endpoint over HTTPS only, default false.</summary>
    public bool Enabled { get; init; }

    /// <summary><c>cert_file</c>: PEM certificate the endpoint presents; required when enabled.</summary>
    public string? CertFile { get; init; }

    /// <summary><c>key_file</c>: PEM private key of <see cref="CertFile"/>; required when enabled.</summary>
    public string? KeyFile { get; init; }
}
