namespace Pccl.Hosting.Configuration;

/// <summary>
/// <c>PCCL_&lt;SECTION&gt;_&lt;KEY&gt;</c> variables (e.g. <c>PCCL_NETWORK_MASTER_PORT</c>) and the short
/// <c>PCCL_LOG_LEVEL</c>, which the full <c>PCCL_LOGGING_LEVEL</c> overrides. A variable that starts like a section
/// but names no key is reported with the nearest name; other <c>PCCL_*</c> variables (PCCL_ROLE, ...) are not ours.
/// </summary>
internal static class EnvironmentOverrides
{
    public const string LogLevelAlias = "PCCL_LOG_LEVEL";

    private static readonly string[] SectionPrefixes =
        ConfigSchema.Sections.Where(s => !s.Contains('.', StringComparison.Ordinal)).Select(s => $"PCCL_{s.ToUpperInvariant()}_").ToArray();

    public static IReadOnlyList<ConfigAssignment> Read(IReadOnlyDictionary<string, string> environment, ConfigProblems problems)
    {
        var assignments = new List<ConfigAssignment>();
        if (environment.TryGetValue(LogLevelAlias, out var level))
        {
            assignments.Add(new(ConfigSchema.Find("logging.level")!, new RawValue(level), new EnvironmentOrigin(LogLevelAlias)));
        }

        foreach (var key in ConfigSchema.Keys)
        {
            if (environment.TryGetValue(key.EnvironmentVariable, out var value))
            {
                assignments.Add(new(key, new RawValue(value), new EnvironmentOrigin(key.EnvironmentVariable)));
            }
        }

        ReportUnknown(environment, problems);
        return assignments;
    }

    private static void ReportUnknown(IReadOnlyDictionary<string, string> environment, ConfigProblems problems)
    {
        var known = ConfigSchema.Keys.Select(k => k.EnvironmentVariable).ToHashSet(StringComparer.Ordinal);
        foreach (var name in environment.Keys.Order(StringComparer.Ordinal))
        {
            if (known.Contains(name) || !SectionPrefixes.Any(p => name.StartsWith(p, StringComparison.Ordinal)))
            {
                continue;
            }

            var suggestion = KeySuggester.Suggest(name, known);
            problems.Add(new EnvironmentOrigin(name), "names no configuration key" + (suggestion is null ? "" : $" (did you mean {suggestion}?)"));
        }
    }
}
