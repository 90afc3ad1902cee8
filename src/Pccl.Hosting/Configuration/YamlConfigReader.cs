namespace Pccl.Hosting.Configuration;

/// <summary>
/// Reads <c>pccl_config.yaml</c> text into assignments, checking the shape against <see cref="ConfigSchema"/>:
/// unknown keys (with a suggestion), duplicates, sections that are not mappings, lists where one value belongs,
/// and <c>${VAR}</c> expansion. Values are typed later, with those of the other sources.
/// </summary>
internal sealed class YamlConfigReader(string path, IReadOnlyDictionary<string, string> environment, ConfigProblems problems)
{
    private readonly List<ConfigAssignment> _assignments = [];

    public static IReadOnlyList<ConfigAssignment> Read(
        string text, string path, IReadOnlyDictionary<string, string> environment, ConfigProblems problems)
    {
        var reader = new YamlConfigReader(path, environment, problems);
        switch (YamlTreeBuilder.Build(text, path, problems))
        {
            case ConfigMappingNode root:
                reader.ReadSection(root, "");
                break;
            case ConfigScalarNode { IsNull: true } or null:
                break;
            case var other:
                problems.Add(reader.At(other), $"the file must be a mapping of sections (network, auth, ...), got {other.Kind}");
                break;
        }

        return reader._assignments;
    }

    private FileOrigin At(ConfigNode node) => new(path, node.Line, node.Column);

    private void ReadSection(ConfigMappingNode mapping, string section)
    {
        var seen = new Dictionary<string, ConfigNode>(StringComparer.Ordinal);
        foreach (var (keyNode, valueNode) in mapping.Entries)
        {
            if (keyNode is not ConfigScalarNode { IsNull: false } nameNode)
            {
                problems.Add(At(keyNode), $"keys must be plain names, got {keyNode.Kind}");
                continue;
            }

            var name = nameNode.Value;
            var keyPath = section.Length == 0 ? name : $"{section}.{name}";
            if (!seen.TryAdd(name, keyNode))
            {
                problems.AddForKey(At(keyNode), keyPath, $"duplicate key (first set at line {seen[name].Line})");
                continue;
            }

            if (ConfigSchema.IsSection(keyPath))
            {
                ReadSubsection(keyPath, valueNode);
            }
            else if (ConfigSchema.Find(keyPath) is { } key)
            {
                ReadValue(key, valueNode);
            }
            else
            {
                problems.Add(At(keyNode), $"unknown key '{keyPath}'{Suggestion(section, name)}");
            }
        }
    }

    private void ReadSubsection(string keyPath, ConfigNode valueNode)
    {
        switch (valueNode)
        {
            case ConfigMappingNode mapping:
                ReadSection(mapping, keyPath);
                break;
            case ConfigScalarNode { IsNull: true }:
                break;
            default:
                problems.AddForKey(At(valueNode), keyPath, $"must be a section (a mapping of keys), got {valueNode.Kind}");
                break;
        }
    }

    private void ReadValue(ConfigKey key, ConfigNode valueNode)
    {
        var raw = valueNode switch
        {
            ConfigScalarNode { IsNull: true } => RawValue.Null,
            ConfigScalarNode scalar => Expand(key, scalar) is { } text ? new RawValue(text) : null,
            ConfigSequenceNode sequence when key.AcceptsList => ReadList(key, sequence),
            _ => WrongShape(key, valueNode),
        };
        if (raw is not null)
        {
            _assignments.Add(new ConfigAssignment(key, raw, At(valueNode)));
        }
    }

    private RawValue? WrongShape(ConfigKey key, ConfigNode valueNode)
    {
        var expected = key.AcceptsList ? "a list of single values" : "a single value";
        problems.AddForKey(At(valueNode), key.Path, $"must be {expected}, got {valueNode.Kind}");
        return null;
    }

    private RawValue? ReadList(ConfigKey key, ConfigSequenceNode sequence)
    {
        var items = new List<string>(sequence.Items.Count);
        foreach (var item in sequence.Items)
        {
            if (item is not ConfigScalarNode { IsNull: false } scalar)
            {
                problems.AddForKey(At(item), key.Path, $"list items must be single values, got {(item is ConfigScalarNode ? "nothing" : item.Kind)}");
                return null;
            }

            if (Expand(key, scalar) is not { } text)
            {
                return null;
            }

            items.Add(text);
        }

        return new RawValue(null, items);
    }

    private string? Expand(ConfigKey key, ConfigScalarNode scalar)
    {
        var text = VariableExpander.Expand(scalar.Value, environment, out var error);
        if (error is not null)
        {
            problems.AddForKey(At(scalar), key.Path, error);
        }

        return text;
    }

    /// <summary>A sibling within edit distance, else the same name in another section.</summary>
    private static string Suggestion(string section, string name)
    {
        if (KeySuggester.Suggest(name, ConfigSchema.ChildNames(section)) is { } sibling)
        {
            return $" (did you mean '{sibling}'?)";
        }

        var elsewhere = ConfigSchema.Keys.Select(k => k.Path).Concat(ConfigSchema.Sections)
            .FirstOrDefault(p => p.EndsWith("." + name, StringComparison.Ordinal) || p == name);
        return elsewhere is null ? "" : $" (did you mean '{elsewhere}'?)";
    }
}
