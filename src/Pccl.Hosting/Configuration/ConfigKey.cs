namespace Pccl.Hosting.Configuration;

/// <summary>One leaf key of the schema: its dotted path, how its text is typed and checked, and where it goes.</summary>
internal sealed class ConfigKey(
    string path,
    Func<RawValue, ParseOutcome> parse,
    Func<PcclConfig, object?, PcclConfig> apply,
    bool isSensitive = false,
    bool acceptsList = false)
{
    /// <summary>Dotted path, e.g. <c>network.tls.enabled</c>.</summary>
    public string Path { get; } = path;

    /// <summary>The last segment, as written in the file.</summary>
    public string Name { get; } = path[(path.LastIndexOf('.') + 1)..];

    /// <summary>The dotted path of the enclosing section.</summary>
    public string Section { get; } = path[..path.LastIndexOf('.')];

    /// <summary>The environment variable overriding this key, e.g. <c>PCCL_NETWORK_TLS_ENABLED</c>.</summary>
    public string EnvironmentVariable { get; } = "PCCL_" + path.Replace('.', '_').ToUpperInvariant();

    /// <summary>The value is a secret: never echo it.</summary>
    public bool IsSensitive { get; } = isSensitive;

    /// <summary>A YAML sequence is allowed (elsewhere a comma-separated list).</summary>
    public bool AcceptsList { get; } = acceptsList;

    public ParseOutcome Parse(RawValue raw) => parse(raw);

    public PcclConfig Apply(PcclConfig config, object? value) => apply(config, value);
}
