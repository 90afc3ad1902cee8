using Pccl.Protocol.Messages;

namespace Pccl.Master.Core.Hierarchy;

/// <summary>
/// The rate of the path each crossing all-reduce of a hierarchy crosses, set on the stage
/// (<see cref="HierarchyStage.PathBitsPerSecond"/>) so that every peer paces its crossings from the same figure: owners
/// paced from figures of their own finish apart. A hop's path is the one from its sender's region to its receiver's at
/// the stage's level. Its rate is what the sender's region carried over it in the group's hierarchical all-reduces
/// that measured it (the sum of its crossing peers' rates, <see cref="Tally"/>, kept by <see cref="Next"/>: paced a
/// little over their share, they carry more each time until the path is the limit); else the most the bandwidth matrix measured from any
/// peer of the one region to any of the other (a reading taken while other traffic shared the path is low). A stage's
/// rate is its slowest hop's; none (0) when a hop's path has no rate.
/// </summary>
internal static class CrossingPathRates
{
    /// <summary>Sets the path rate of every crossing all-reduce in <paramref name="stages"/>.</summary>
    /// <param name="stages">The hierarchy planned for <paramref name="ring"/>.</param>
    /// <param name="ring">The group's peers in ring order.</param>
    /// <param name="labels">Each peer's region label, by position in <paramref name="ring"/>.</param>
    /// <param name="carried">What each region's crossing peers carried at a level (<see cref="Tally"/>), in bits per second.</param>
    /// <param name="measured">The bandwidth matrix's pairs (from, to) in bytes per second; 0 marks a pair that could not connect.</param>
    public static void Set(
        IEnumerable<HierarchyStage> stages, IReadOnlyList<ulong> ring, IReadOnlyList<string> labels,
        IReadOnlyDictionary<(uint Level, string Side), ulong> carried, IReadOnlyDictionary<(ulong From, ulong To), double> measured)
    {
        var sideOf = Sides(ring, labels);
        foreach (var stage in stages.Where(s => s.Kind == HierarchyStageKind.AllReduce && s.Members.Count > 1))
        {
            var levels = (int)stage.Level + 1;
            string Side(ulong peer) => sideOf.TryGetValue(peer, out var path) ? RegionPath.Prefix(path, levels) : "";
            var slowest = ulong.MaxValue;
            for (var i = 0; i < stage.Members.Count; i++)
            {
                var (from, to) = (Side(stage.Members[i]), Side(stage.Members[(i + 1) % stage.Members.Count]));
                var hop = carried.TryGetValue((stage.Level, from), out var bits) ? bits
                    : (ulong)(8 * measured.Where(e => Side(e.Key.From) == from && Side(e.Key.To) == to).Select(e => e.Value).DefaultIfEmpty(0).Max());
                slowest = Math.Min(slowest, hop);
            }

            stage.PathBitsPerSecond = slowest == ulong.MaxValue ? 0 : slowest;
        }
    }

    /// <summary>
    /// What each region's crossing peers carried per level in one operation: the sum of the rates its peers reported
    /// (<paramref name="crossings"/>, by peer), keyed by the level and the region at that level (the path's sender side).
    /// </summary>
    /// <param name="ring">The operation's peers.</param>
    /// <param name="labels">Each peer's region label, by position in <paramref name="ring"/>.</param>
    /// <param name="crossings">Each peer's reported crossing rates.</param>
    public static Dictionary<(uint Level, string Side), ulong> Tally(IReadOnlyList<ulong> ring, IReadOnlyList<string> labels, IReadOnlyDictionary<ulong, IReadOnlyList<CrossingRate>> crossings)
    {
        var sideOf = Sides(ring, labels);
        var depth = sideOf.Values.FirstOrDefault()?.Length ?? 0;
        var sums = new Dictionary<(uint Level, string Side), ulong>();
        foreach (var (peer, rates) in crossings)
        {
            if (!sideOf.TryGetValue(peer, out var path))
            {
                continue;
            }

            // one sample per level and peer; a level the labels do not have is a peer's error, not a path
            foreach (var rate in rates.Where(r => r.Level < depth).DistinctBy(r => r.Level))
            {
                var key = (rate.Level, RegionPath.Prefix(path, (int)rate.Level + 1));
                sums[key] = sums.GetValueOrDefault(key) + Math.Min(rate.BitsPerSecond, MaxBitsPerSecond);
            }
        }

        return sums;
    }

    /// <summary>
    /// The rate kept for a path after an operation that carried <paramref name="carried"/> over it, where
    /// <paramref name="last"/> was kept before: a higher reading at once, a lower one no lower than
    /// <see cref="Decay"/> of the last. A reading too low holds every crossing peer below the path (paced streams then
    /// carry only a little more each time), while one too high only leaves the streams unpaced; and a reading taken
    /// while the peers were short of processor time is low for that operation alone.
    /// </summary>
    public static ulong Next(ulong? last, ulong carried) =>
        last is { } kept ? Math.Max(carried, (ulong)(kept * Decay)) : carried;

    /// <summary>The most a kept path rate falls per operation.</summary>
    public const double Decay = 0.9;

    /// <summary>The most levels of one peer's report the master keeps (deeper labels are no real deployment).</summary>
    public const int MaxLevels = 16;

    /// <summary>The most one peer's report counts for (a terabit per second): a sum of reports cannot overflow.</summary>
    public const ulong MaxBitsPerSecond = 1_000_000_000_000;

    private static Dictionary<ulong, string[]> Sides(IReadOnlyList<ulong> ring, IReadOnlyList<string> labels)
    {
        var paths = RegionPath.Padded(labels);
        return ring.Select((id, i) => (id, i)).ToDictionary(x => x.id, x => paths[x.i]);
    }
}
