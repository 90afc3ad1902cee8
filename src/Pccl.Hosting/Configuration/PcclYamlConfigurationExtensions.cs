using Pccl.Hosting.Configuration;

namespace Microsoft.Extensions.Configuration;

/// <summary>Adds <c>pccl_config.yaml</c> to an application's configuration.</summary>
public static class PcclYamlConfigurationExtensions
{
    /// <summary>
    /// Adds a <c>pccl_config.yaml</c> file as a configuration source: its keys appear under <paramref name="section"/>
    /// (<c>Pccl:network:master_host</c>), where <c>AddPcclCommunicator</c> and <c>AddPcclMaster</c> read them. Sources
    /// added later (environment variables such as <c>Pccl__network__master_host</c>) override the file key by key.
    /// </summary>
    /// <param name="builder">The configuration builder.</param>
    /// <param name="path">The YAML file.</param>
    /// <param name="section">The section the file's keys go under.</param>
    /// <param name="optional">Whether a missing file is allowed.</param>
    /// <exception cref="Pccl.Hosting.Configuration.ConfigException">When the configuration is built: the file is missing, unreadable or malformed.</exception>
    public static IConfigurationBuilder AddPcclYamlFile(this IConfigurationBuilder builder, string path, string section = "Pccl", bool optional = false)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        ArgumentException.ThrowIfNullOrWhiteSpace(section);
        return builder.Add(new YamlConfigurationSource(Path.GetFullPath(path), section, optional));
    }

    private sealed class YamlConfigurationSource(string path, string section, bool optional) : IConfigurationSource
    {
        public IConfigurationProvider Build(IConfigurationBuilder builder) => new YamlConfigurationProvider(path, section, optional);
    }
}
