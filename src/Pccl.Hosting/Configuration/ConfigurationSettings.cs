using Microsoft.Extensions.Configuration;

namespace Pccl.Hosting.Configuration;

/// <summary>
/// Reads a <see cref="PcclConfig"/> from an <see cref="IConfiguration"/> section whose keys are those of
/// <c>pccl_config.yaml</c> (<c>network:master_host</c>, <c>fault_tolerance:vote_timeout_ms</c>, ...; case does not
/// matter, as everywhere in <c>IConfiguration</c>). A list (<c>auth:allowed_networks</c>) is given as numbered
/// children. Values are checked exactly as in the file; problems name the configuration key.
/// </summary>
internal static class ConfigurationSettings
{
    /// <exception cref="ConfigException">A key is unknown or a value invalid; the message lists every problem.</exception>
    public static PcclConfig Load(IConfiguration section)
    {
        ArgumentNullException.ThrowIfNull(section);
        var settings = new Dictionary<string, string>(StringComparer.Ordinal);
        var lists = new Dictionary<string, SortedDictionary<int, string>>(StringComparer.Ordinal);
        foreach (var (key, value) in section.AsEnumerable(makePathsRelative: true))
        {
            if (value is null)
            {
                continue;
            }

            var segments = key.ToLowerInvariant().Split(ConfigurationPath.KeyDelimiter);
            if (segments.Length > 2 && int.TryParse(segments[^1], out var index) && ConfigSchema.Find(Dotted(segments[..^1])) is { AcceptsList: true } listKey)
            {
                (lists.TryGetValue(listKey.Path, out var items) ? items : lists[listKey.Path] = [])[index] = value;
            }
            else
            {
                settings[Dotted(segments)] = value;
            }
        }

        foreach (var (path, items) in lists)
        {
            settings[path] = string.Join(',', items.Values);
        }

        var prefix = section is IConfigurationSection { Path: var sectionPath } ? sectionPath + ConfigurationPath.KeyDelimiter : "";
        return ConfigLoader.LoadSettings(settings, path => new ConfigurationKeyOrigin(prefix + path.Replace('.', ':')));
    }

    private static string Dotted(IEnumerable<string> segments) => string.Join('.', segments);
}
