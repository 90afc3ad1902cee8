namespace Pccl.Hosting.Configuration;

/// <summary>Collects every problem found so the user sees all of them at once.</summary>
internal sealed class ConfigProblems
{
    private readonly List<string> _items = [];
    private readonly HashSet<string> _keys = new(StringComparer.Ordinal);

    public IReadOnlyList<string> Items => _items;

    public void Add(ConfigOrigin origin, string message) => _items.Add($"{origin}: {message}");

    public void AddForKey(ConfigOrigin origin, string key, string message)
    {
        _keys.Add(key);
        Add(origin, $"key '{key}': {message}");
    }

    /// <summary>True when a value of <paramref name="key"/> was already refused; rules on it would only repeat that.</summary>
    public bool HasProblemWith(string key) => _keys.Contains(key);

    public void ThrowIfAny()
    {
        if (_items.Count > 0)
        {
            throw new ConfigException(_items);
        }
    }
}
