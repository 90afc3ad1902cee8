using Pccl.Kernel;

namespace Pccl.Master.Core.Hierarchy;

/// <summary>
/// The rule that turns peers' region labels (<c>network.region</c>) into paths of equal depth: a label is split at
/// <c>/</c> into levels (<c>eu/fra/rack1</c> has three), and a label with fewer levels than the deepest one is padded
/// with empty levels. So an unlabelled peer is in the region "" (every unlabelled peer in the same one), and a peer
/// labelled <c>eu</c> beside peers labelled <c>eu/fra</c> is in the sub-region <c>eu/</c>, a sibling of
/// <c>eu/fra</c> inside <c>eu</c>.
/// </summary>
internal static class RegionPath
{
    /// <summary>Each label's levels, all padded to the deepest label's depth.</summary>
    public static IReadOnlyList<string[]> Padded(IReadOnlyList<string> labels)
    {
        var split = labels.Select(Levels).ToList();
        var depth = split.Count == 0 ? 0 : split.Max(l => l.Length);
        return [.. split.Select(l => l.Length == depth ? l : [.. l, .. Enumerable.Repeat("", depth - l.Length)])];
    }

    /// <summary>Why <paramref name="label"/> is not a valid region path, or null when it is.</summary>
    public static string? Problem(string label) =>
        label.Length > 0 && Levels(label).Any(level => level.Length == 0)
            ? $"region label {UntrustedText.Quote(label)} has an empty level: write network.region as levels separated by single '/' (e.g. eu/fra/rack1), with none at either end"
            : null;

    /// <summary>The first <paramref name="levels"/> levels of a padded path, as one key.</summary>
    public static string Prefix(string[] path, int levels) => string.Join('/', path.Take(levels));

    private static string[] Levels(string label) => label.Length == 0 ? [] : label.Split('/');
}
