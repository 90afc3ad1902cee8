namespace Pccl;

/// <summary>TLS for every TCP connection (seed: network.tls).</summary>
public sealed record TlsOptions
{
    /// <summary>TLS off.</summary>
    public static TlsOptions Disabled { get; } = new();

    /// <summary>Whether connections run inside TLS.</summary>
    public bool Enabled { get; init; }

    /// <summary>PEM certificate presented by this process.</summary>
    public string? CertFile { get; init; }

    /// <summary>PEM private key of <see cref="CertFile"/>.</summary>
    public string? KeyFile { get; init; }

    /// <summary>CA that signs every certificate; when set, TLS is mutual.</summary>
    public string? CaFile { get; init; }
}
