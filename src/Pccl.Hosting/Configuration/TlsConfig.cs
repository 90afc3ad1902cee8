namespace Pccl.Hosting.Configuration;

/// <summary>The <c>network.tls</c> section.</summary>
public sealed record TlsConfig
{
    /// <summary><c>enabled</c>: run every TCP connection inside TLS, default false.</summary>
    public bool Enabled { get; init; }

    /// <summary><c>cert_file</c>: PEM certificate of this process; required when TLS is enabled.</summary>
    public string? CertFile { get; init; }

    /// <summary><c>key_file</c>: PEM private key of <see cref="CertFile"/>; required when TLS is enabled.</summary>
    public string? KeyFile { get; init; }

    /// <summary><c>ca_file</c>: CA that signs every certificate; when set, TLS is mutual.</summary>
    public string? CaFile { get; init; }
}
