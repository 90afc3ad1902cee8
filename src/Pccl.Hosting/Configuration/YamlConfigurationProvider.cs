using Microsoft.Extensions.Configuration;

namespace Pccl.Hosting.Configuration;

/// <summary>
/// <c>pccl_config.yaml</c> as a configuration source: every key of the file under one section (<c>Pccl</c> by
/// default), as <c>Pccl:network:master_host</c>; a list as numbered children. The file is checked as <c>pccl</c>
/// checks it (unknown keys with a suggestion, <c>${VAR}</c> expansion); values are typed when the options are bound.
/// </summary>
/// <param name="path">The YAML file.</param>
/// <param name="section">The section its keys go under.</param>
/// <param name="optional">Whether a missing file is allowed.</param>
internal sealed class YamlConfigurationProvider(string path, string section, bool optional) : ConfigurationProvider
{
    /// <exception cref="ConfigException">The file is missing (and not optional), unreadable or malformed.</exception>
    public override void Load()
    {
        var data = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        if (optional && !File.Exists(path))
        {
            Data = data;
            return;
        }

        var problems = new ConfigProblems();
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ConfigException([$"{path}: cannot be read: {e.Message}"]);
        }

        var assignments = YamlConfigReader.Read(text, path, ConfigLoader.ProcessEnvironment(), problems);
        problems.ThrowIfAny();
        foreach (var assignment in assignments)
        {
            var key = ConfigurationPath.Combine(section, assignment.Key.Section.Replace('.', ':'), assignment.Key.Name);
            if (assignment.Value.Items is { } items)
            {
                for (var i = 0; i < items.Count; i++)
                {
                    data[ConfigurationPath.Combine(key, i.ToString(System.Globalization.CultureInfo.InvariantCulture))] = items[i];
                }
            }
            else
            {
                data[key] = assignment.Value.Text;
            }
        }

        Data = data;
    }
}
