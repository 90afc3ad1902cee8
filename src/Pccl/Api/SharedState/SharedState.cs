namespace Pccl;

/// <summary>
/// The named tensors a peer group keeps bit-identical, and the revision they are at. The application
/// advances <see cref="Revision"/> by exactly one per synchronisation (typically once per optimizer step);
/// synchronisation overwrites outdated or diverged entries in place and sets <see cref="Revision"/> to the
/// group's elected revision.
/// </summary>
public sealed class SharedState
{
    private readonly SharedStateEntry[] _entries;
    private readonly Dictionary<string, SharedStateEntry> _byKey;

    /// <summary>Creates a shared state over <paramref name="entries"/> (keys unique) at <paramref name="revision"/>.</summary>
    /// <exception cref="PcclException">An entry is null or two entries share a key.</exception>
    public SharedState(IEnumerable<SharedStateEntry> entries, ulong revision = 0)
    {
        ArgumentNullException.ThrowIfNull(entries);
        _entries = [.. entries];
        _byKey = new Dictionary<string, SharedStateEntry>(_entries.Length, StringComparer.Ordinal);
        foreach (var entry in _entries)
        {
            if (entry is null)
                throw new PcclException(PcclErrorCode.InvalidArgument, "A shared state cannot contain a null entry.");
            if (!_byKey.TryAdd(entry.Key, entry))
                throw new PcclException(PcclErrorCode.InvalidArgument,
                    $"Shared-state key '{entry.Key}' appears twice; every key must be unique.");
        }
        Revision = revision;
    }

    /// <summary>The revision of the content; must advance by exactly one between synchronisations.</summary>
    public ulong Revision { get; set; }

    /// <summary>The entries, in the order given.</summary>
    public IReadOnlyList<SharedStateEntry> Entries => _entries;

    /// <summary>The entry named <paramref name="key"/>, or null.</summary>
    public SharedStateEntry? Find(string key) => _byKey.GetValueOrDefault(key);

    /// <summary>Total bytes over all entries.</summary>
    public long TotalBytes => _entries.Sum(e => (long)e.Content.Length);
}
