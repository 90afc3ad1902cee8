namespace Pccl.Hosting.Configuration;

/// <summary>
/// Command-line settings as dotted keys (<c>network.master_host</c> -> text), applied last; also the settings of an
/// <c>IConfiguration</c> section, which name their origin differently.
/// </summary>
internal static class FlagOverrides
{
    /// <param name="flags">Dotted keys to values.</param>
    /// <param name="problems">Collects unknown keys.</param>
    /// <param name="origin">Names where a dotted key came from; null: a command-line flag.</param>
    public static IReadOnlyList<ConfigAssignment> Read(IReadOnlyDictionary<string, string> flags, ConfigProblems problems, Func<string, ConfigOrigin>? origin = null)
    {
        origin ??= path => new FlagOrigin(path);
        var assignments = new List<ConfigAssignment>();
        foreach (var (path, value) in flags.OrderBy(f => f.Key, StringComparer.Ordinal))
        {
            if (ConfigSchema.Find(path) is { } key)
            {
                assignments.Add(new(key, new RawValue(value), origin(path)));
            }
            else if (ConfigSchema.IsSection(path))
            {
                problems.Add(origin(path), "names a section, not a key");
            }
            else
            {
                var suggestion = KeySuggester.Suggest(path, ConfigSchema.Keys.Select(k => k.Path));
                problems.Add(origin(path), $"unknown key '{path}'" + (suggestion is null ? "" : $" (did you mean '{suggestion}'?)"));
            }
        }

        return assignments;
    }
}
