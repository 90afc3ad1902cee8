namespace Pccl.Hosting.Configuration;

/// <summary>Command-line settings as dotted keys (<c>network.master_host</c> -> text), applied last.</summary>
internal static class FlagOverrides
{
    public static IReadOnlyList<ConfigAssignment> Read(IReadOnlyDictionary<string, string> flags, ConfigProblems problems)
    {
        var assignments = new List<ConfigAssignment>();
        foreach (var (path, value) in flags.OrderBy(f => f.Key, StringComparer.Ordinal))
        {
            if (ConfigSchema.Find(path) is { } key)
            {
                assignments.Add(new(key, new RawValue(value), new FlagOrigin(path)));
            }
            else if (ConfigSchema.IsSection(path))
            {
                problems.Add(new FlagOrigin(path), "names a section, not a key");
            }
            else
            {
                var suggestion = KeySuggester.Suggest(path, ConfigSchema.Keys.Select(k => k.Path));
                problems.Add(new FlagOrigin(path), $"unknown key '{path}'" + (suggestion is null ? "" : $" (did you mean '{suggestion}'?)"));
            }
        }

        return assignments;
    }
}
