using Pccl.Protocol.Messages;

namespace Pccl.Master.Core.Hierarchy;

/// <summary>
/// Plans a hierarchical all-reduce from a group's ring order and its peers' region paths (<see cref="RegionPath"/>), as
/// a list of rings every peer runs in list order (the ones it is a member of):
/// <list type="number">
/// <item>a reduce-scatter inside each deepest group (peers sharing the whole path), after which each peer owns the
/// partial sum of one slice of the group's elements;</item>
/// <item>the slices' boundaries of all groups cut the elements into segments, each owned by one peer per group; each
/// segment is all-reduced among its owners, planned again one level up (so the same scheme nests: owners sharing a
/// parent reduce-scatter among themselves first), until the owners share the rest of their paths, where they run a
/// ring all-reduce;</item>
/// <item>an all-gather inside each deepest group, copying the final values verbatim.</item>
/// </list>
/// Every element is reduced along one fixed chain and then copied, so results are bit-identical on every peer; with
/// groups of equal size every peer owns one segment and all segments cross the regions at once. A peer of a smaller
/// group owns several segments and runs their rings one after another. Because every peer runs its rings in the one
/// list order, the earliest unfinished ring always has all its members at it: no cycle of waits can form.
/// <para>Pipelining: a large buffer is cut into chunks (<see cref="ChunksFor"/>), each planned as above, and the chunks'
/// rings are merged so that ring i of chunk c comes at position c + i: the reduce-scatter of later chunks comes before
/// the crossing of earlier ones. The list stays a valid order to run the rings one by one; a peer runs rings at
/// different levels at once (they use different neighbours), each once the earlier rings it depends on are done.</para>
/// </summary>
internal static class HierarchyPlanner
{
    /// <summary>
    /// The stages for a group in ring order <paramref name="ring"/> with <paramref name="labels"/> (by position);
    /// empty when every peer carries the same label (the flat schedules then run).
    /// </summary>
    /// <param name="ring">The group's peers in ring order.</param>
    /// <param name="labels">Each peer's region label, by position in <paramref name="ring"/>.</param>
    /// <param name="elementCount">The buffer's elements.</param>
    /// <param name="chunks">How many pipelined chunks the elements are cut into (at least 1; at most one per element).</param>
    public static IReadOnlyList<HierarchyStage> Plan(IReadOnlyList<ulong> ring, IReadOnlyList<string> labels, ulong elementCount, int chunks = 1)
    {
        // padding only appends empty levels, so padded paths differ exactly when the labels do
        if (labels.Distinct().Take(2).Count() < 2)
        {
            return [];
        }

        var paths = RegionPath.Padded(labels);
        var pathOf = ring.Select((id, i) => (id, i)).ToDictionary(x => x.id, x => paths[x.i]);
        var count = (int)Math.Clamp((ulong)Math.Max(chunks, 1), 1, Math.Max(elementCount, 1));
        var perChunk = new List<List<HierarchyStage>>(count);
        for (var c = 0; c < count; c++)
        {
            var stages = new List<HierarchyStage>();
            PlanLevel(ring, pathOf, paths[0].Length, SliceStart(0, elementCount, count, c), SliceStart(0, elementCount, count, c + 1), stages);
            perChunk.Add(stages);
        }

        // ring i of chunk c at position c + i; among equal positions the earlier chunk first (its rings are further on)
        return [.. perChunk
            .SelectMany((stages, c) => stages.Select((stage, i) => (stage, key: c + i, c)))
            .OrderBy(x => x.key).ThenBy(x => x.c)
            .Select(x => x.stage)];
    }

    /// <summary>
    /// How many pipelined chunks an all-reduce of <paramref name="elementCount"/> elements of
    /// <paramref name="elementSize"/> bytes is cut into: one per <see cref="ChunkBytes"/>, at most
    /// <see cref="MaxChunks"/>. Each chunk's rings cost a round trip or so of their own on the slow path, so chunks stay
    /// large; with several, the slow path carries one chunk while the regions reduce-scatter the next and all-gather
    /// the previous.
    /// </summary>
    public static int ChunksFor(ulong elementCount, int elementSize) =>
        (int)Math.Clamp(elementCount / (ulong)Math.Max(1, ChunkBytes / Math.Max(elementSize, 1)), 1UL, (ulong)MaxChunks);

    /// <summary>The least bytes a pipelined chunk carries.</summary>
    public const long ChunkBytes = 8L << 20;

    /// <summary>The most chunks one all-reduce is cut into.</summary>
    public const int MaxChunks = 8;

    /// <summary>Whether the operation's algorithm takes a hierarchy when the labels differ.</summary>
    public static bool Wanted(CollectiveAlgorithm algorithm) =>
        algorithm is CollectiveAlgorithm.Auto or CollectiveAlgorithm.Hierarchical;

    /// <summary>The first element of slice <paramref name="k"/> when a ring of <paramref name="n"/> cuts [lo, hi) (as RingLayout does).</summary>
    public static ulong SliceStart(ulong lo, ulong hi, int n, int k)
    {
        var count = hi - lo;
        var baseCount = count / (ulong)n;
        var remainder = count % (ulong)n;
        return lo + ((ulong)k * baseCount) + Math.Min((ulong)k, remainder);
    }

    /// <summary>After a ring reduce-scatter, rank r holds slice r + 1 final; so slice k's owner is rank k − 1.</summary>
    public static int OwnerRank(int slice, int n) => (slice + n - 1) % n;

    private static void PlanLevel(IReadOnlyList<ulong> members, Dictionary<ulong, string[]> pathOf, int levels, ulong lo, ulong hi, List<HierarchyStage> stages)
    {
        if (hi == lo || members.Count < 2)
        {
            return;
        }

        var groups = members.GroupBy(id => RegionPath.Prefix(pathOf[id], levels)).Select(g => g.ToList()).ToList();
        if (groups.Count == 1)
        {
            stages.Add(Stage(HierarchyStageKind.AllReduce, members, lo, hi, levels));
            return;
        }

        foreach (var group in groups.Where(g => g.Count > 1))
        {
            stages.Add(Stage(HierarchyStageKind.ReduceScatter, group, lo, hi, levels));
        }

        var cuts = new SortedSet<ulong> { lo, hi };
        foreach (var group in groups)
        {
            for (var k = 1; k < group.Count; k++)
            {
                cuts.Add(SliceStart(lo, hi, group.Count, k));
            }
        }

        var bounds = cuts.ToList();
        for (var i = 0; i + 1 < bounds.Count; i++)
        {
            var owners = groups.Select(g => g[OwnerRank(SliceOf(bounds[i], lo, hi, g.Count), g.Count)]).ToList();
            PlanLevel(owners, pathOf, levels - 1, bounds[i], bounds[i + 1], stages);
        }

        foreach (var group in groups.Where(g => g.Count > 1))
        {
            stages.Add(Stage(HierarchyStageKind.AllGather, group, lo, hi, levels));
        }
    }

    /// <summary>The slice of a ring of <paramref name="n"/> over [lo, hi) that holds <paramref name="element"/>.</summary>
    private static int SliceOf(ulong element, ulong lo, ulong hi, int n)
    {
        var k = n - 1;
        while (SliceStart(lo, hi, n, k) > element)
        {
            k--;
        }

        // an empty slice shares its start with the next one; the element lies in the last slice starting at or before it
        return k;
    }

    private static HierarchyStage Stage(HierarchyStageKind kind, IEnumerable<ulong> members, ulong lo, ulong hi, int levels)
    {
        var stage = new HierarchyStage { Kind = kind, FirstElement = lo, ElementCount = hi - lo, Level = (uint)levels };
        stage.Members.AddRange(members);
        return stage;
    }
}
