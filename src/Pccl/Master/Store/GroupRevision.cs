namespace Pccl.Master.Store;

/// <summary>A peer group's last completed shared-state sync.</summary>
/// <param name="Group">The peer group.</param>
/// <param name="Revision">The revision every member reached.</param>
/// <param name="Hashes">The elected content hash of each key.</param>
internal sealed record GroupRevision(uint Group, ulong Revision, IReadOnlyDictionary<string, ulong> Hashes)
{
    /// <summary>One <c>key=hex</c> line per key, in key order: the form the SQL stores keep.</summary>
    public string HashesText => string.Join('\n', Hashes.OrderBy(h => h.Key, StringComparer.Ordinal).Select(h => $"{h.Key}={h.Value:x16}"));

    /// <summary>Reads <see cref="HashesText"/> back; keys may hold '=' but not a line break, the last '=' separates.</summary>
    public static IReadOnlyDictionary<string, ulong> ParseHashes(string text) => text.Length == 0
        ? new Dictionary<string, ulong>()
        : text.Split('\n').ToDictionary(
            line => line[..line.LastIndexOf('=')],
            line => ulong.Parse(line.AsSpan(line.LastIndexOf('=') + 1), System.Globalization.NumberStyles.HexNumber, System.Globalization.CultureInfo.InvariantCulture),
            StringComparer.Ordinal);
}
