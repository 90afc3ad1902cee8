using System.Collections;

namespace Pccl.Hosting.Configuration;

/// <summary>
/// Builds a <see cref="PcclConfig"/>: defaults, then the YAML file, then <c>PCCL_*</c> environment variables, then
/// flags; each later source overrides the earlier ones key by key. Every problem of every source is collected and
/// thrown together as one <see cref="ConfigException"/>.
/// </summary>
public static class ConfigLoader
{
    private static readonly IReadOnlyDictionary<string, string> NoFlags = new Dictionary<string, string>();

    /// <summary>Loads and validates the configuration.</summary>
    /// <param name="path">The YAML file, or null for defaults plus overrides.</param>
    /// <param name="environment">Variables for <c>${VAR}</c> expansion and <c>PCCL_*</c> overrides (see <see cref="ProcessEnvironment"/>).</param>
    /// <param name="flags">Dotted keys to values, e.g. <c>network.master_host</c> -> <c>h</c>; applied last.</param>
    /// <exception cref="ConfigException">Anything is wrong; the message lists every problem.</exception>
    public static PcclConfig Load(string? path, IReadOnlyDictionary<string, string> environment, IReadOnlyDictionary<string, string> flags) =>
        Load(path, environment, flags, NoFlags);

    /// <summary>
    /// Loads and validates the configuration with a command's own defaults: <paramref name="commandDefaults"/> (dotted
    /// keys, e.g. <c>metrics.enabled</c> -> <c>true</c> for <c>pccl worker</c>) replace the built-in defaults, and the
    /// file, the environment and the flags override them as usual.
    /// </summary>
    /// <exception cref="ConfigException">Anything is wrong; the message lists every problem.</exception>
    public static PcclConfig Load(
        string? path,
        IReadOnlyDictionary<string, string> environment,
        IReadOnlyDictionary<string, string> flags,
        IReadOnlyDictionary<string, string> commandDefaults)
    {
        ArgumentNullException.ThrowIfNull(commandDefaults);
        var problems = new ConfigProblems();
        var config = Evaluate(path, null, environment, flags, problems, commandDefaults);
        problems.ThrowIfAny();
        return config;
    }

    /// <summary>
    /// Loads and validates settings given as dotted keys by another configuration system (an <c>IConfiguration</c>
    /// section): defaults, then <paramref name="settings"/>; no <c>PCCL_*</c> variables and no file.
    /// </summary>
    /// <param name="settings">Dotted keys to values, e.g. <c>network.master_host</c> -> <c>h</c>.</param>
    /// <param name="origin">Names where a dotted key came from, for the problems.</param>
    /// <exception cref="ConfigException">Anything is wrong; the message lists every problem.</exception>
    internal static PcclConfig LoadSettings(IReadOnlyDictionary<string, string> settings, Func<string, ConfigOrigin> origin)
    {
        var problems = new ConfigProblems();
        var config = Evaluate(null, null, NoFlags, settings, problems, settingOrigin: origin);
        problems.ThrowIfAny();
        return config;
    }

    /// <summary>A snapshot of this process's environment variables.</summary>
    public static IReadOnlyDictionary<string, string> ProcessEnvironment()
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (DictionaryEntry entry in Environment.GetEnvironmentVariables())
        {
            result[(string)entry.Key] = (string?)entry.Value ?? "";
        }

        return result;
    }

    /// <summary>Validates what <see cref="Load(string?, IReadOnlyDictionary{string, string}, IReadOnlyDictionary{string, string})"/> would, without throwing; <paramref name="text"/> replaces reading the file.</summary>
    internal static PcclConfig Evaluate(
        string? path,
        string? text,
        IReadOnlyDictionary<string, string> environment,
        IReadOnlyDictionary<string, string>? flags,
        ConfigProblems problems,
        IReadOnlyDictionary<string, string>? commandDefaults = null,
        Func<string, ConfigOrigin>? settingOrigin = null)
    {
        var assignments = new List<ConfigAssignment>();
        foreach (var (key, value) in commandDefaults ?? NoFlags)
        {
            var schemaKey = ConfigSchema.Find(key) ?? throw new ArgumentException($"'{key}' is not a configuration key", nameof(commandDefaults));
            assignments.Add(new(schemaKey, new RawValue(value), ConfigOrigin.Default));
        }

        if (path is not null && (text ?? ReadFile(path, problems)) is { } yaml)
        {
            assignments.AddRange(YamlConfigReader.Read(yaml, path, environment, problems));
        }

        assignments.AddRange(EnvironmentOverrides.Read(environment, problems));
        assignments.AddRange(FlagOverrides.Read(flags ?? NoFlags, problems, settingOrigin));

        var config = PcclConfig.Default;
        var origins = new Dictionary<string, ConfigOrigin>(StringComparer.Ordinal);
        foreach (var assignment in assignments)
        {
            var outcome = assignment.Key.Parse(assignment.Value);
            if (outcome.Error is not null)
            {
                problems.AddForKey(assignment.Origin, assignment.Key.Path, Redact(assignment, outcome.Error));
                continue;
            }

            config = assignment.Key.Apply(config, outcome.Value);
            origins[assignment.Key.Path] = assignment.Origin;
        }

        ConfigRules.Check(config, origins, problems);
        return config;
    }

    private static string? ReadFile(string path, ConfigProblems problems)
    {
        try
        {
            return File.ReadAllText(path);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            problems.Add(new WholeFileOrigin(path), "file not found");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            problems.Add(new WholeFileOrigin(path), $"cannot be read: {e.Message}");
        }

        return null;
    }

    private static string Redact(ConfigAssignment assignment, string error) =>
        assignment.Key.IsSensitive && assignment.Value.Text is { Length: > 0 } secret
            ? error.Replace(secret, "***", StringComparison.Ordinal)
            : error;
}
