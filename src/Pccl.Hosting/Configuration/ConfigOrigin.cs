namespace Pccl.Hosting.Configuration;

/// <summary>Where a configuration value came from; its text prefixes every problem about that value.</summary>
internal abstract record ConfigOrigin
{
    /// <summary>The built-in default.</summary>
    public static ConfigOrigin Default { get; } = new DefaultOrigin();

    /// <summary>True for the built-in default.</summary>
    public bool IsDefault => this is DefaultOrigin;

    private sealed record DefaultOrigin : ConfigOrigin
    {
        public override string ToString() => "defaults";
    }
}

/// <summary>A position in a YAML file (1-based line and column).</summary>
internal sealed record FileOrigin(string Path, int Line, int Column) : ConfigOrigin
{
    public override string ToString() => $"{Path}:{Line}:{Column}";
}

/// <summary>A <c>PCCL_*</c> environment variable.</summary>
internal sealed record EnvironmentOrigin(string Variable) : ConfigOrigin
{
    public override string ToString() => $"environment variable {Variable}";
}

/// <summary>A command-line flag, named by the dotted key it sets.</summary>
internal sealed record FlagOrigin(string Key) : ConfigOrigin
{
    public override string ToString() => $"command-line flag '{Key}'";
}

/// <summary>A file as a whole (it cannot be read, for instance).</summary>
internal sealed record WholeFileOrigin(string Path) : ConfigOrigin
{
    public override string ToString() => Path;
}

/// <summary>A key of an <c>IConfiguration</c> section (appsettings.json, environment, a YAML file added as a source).</summary>
internal sealed record ConfigurationKeyOrigin(string Key) : ConfigOrigin
{
    public override string ToString() => $"configuration key '{Key}'";
}
