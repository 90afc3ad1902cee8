namespace Pccl.Hosting.Configuration;

/// <summary>Collects every problem found so the user sees all of them at once.</summary>
internal sealed class ConfigProblems
{
    private readonly List<string> _items = [];

    public IReadOnlyList<string> Items => _items;

    public void Add(ConfigOrigin origin, string message) => _items.Add($"{origin}: {message}");

    public void AddForKey(ConfigOrigin origin, string key, string message) => Add(origin, $"key '{key}': {message}");

    public void ThrowIfAny()
    {
        if (_items.Count > 0)
        {
            throw new ConfigException(_items);
        }
    }
}
