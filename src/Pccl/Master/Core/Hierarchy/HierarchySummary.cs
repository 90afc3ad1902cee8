using Pccl.Protocol.Messages;

namespace Pccl.Master.Core.Hierarchy;

/// <summary>
/// A group's hierarchy as the log and <c>/status</c> show it: the peers of each region label and every ring of the
/// plan. <see cref="Description"/> leaves out element ranges, so it changes only when the regions or the exchanges do.
/// </summary>
/// <param name="Regions">Each region label (padded path, see <see cref="RegionPath"/>) and its peers in ring order.</param>
/// <param name="Stages">The plan's rings in the order peers run them.</param>
/// <param name="Description">One line: regions, then per distinct ring (a pipelined plan repeats its rings per chunk) its kind, level and members.</param>
internal sealed record HierarchySummary(IReadOnlyList<RegionMembers> Regions, IReadOnlyList<StageSummary> Stages, string Description)
{
    public static HierarchySummary Of(IReadOnlyList<ulong> ring, IReadOnlyList<string> labels, IReadOnlyList<HierarchyStage> stages)
    {
        var paths = RegionPath.Padded(labels);
        var regions = ring.Select((id, i) => (id, label: RegionPath.Prefix(paths[i], paths[i].Length)))
            .GroupBy(x => x.label)
            .Select(g => new RegionMembers(g.Key, [.. g.Select(x => x.id)]))
            .ToList();
        var summaries = stages.Select(s => new StageSummary(Name(s.Kind), s.Level, s.FirstElement, s.ElementCount, [.. s.Members])).ToList();
        var description = "regions " + string.Join(", ", regions.Select(r => $"'{r.Label}' [{string.Join(' ', r.Peers)}]")) +
            "; stages " + string.Join(", ", summaries.DistinctBy(s => (s.Kind, s.Level, string.Join(' ', s.Members))).Select(s => $"{s.Kind}@{s.Level} [{string.Join(' ', s.Members)}]"));
        return new HierarchySummary(regions, summaries, description);
    }

    /// <summary>A stage kind as the log and <c>/status</c> name it.</summary>
    public static string Name(HierarchyStageKind kind) => kind switch
    {
        HierarchyStageKind.ReduceScatter => "reduce-scatter",
        HierarchyStageKind.AllReduce => "all-reduce",
        HierarchyStageKind.AllGather => "all-gather",
        _ => kind.ToString(),
    };
}

/// <summary>The peers carrying one region label.</summary>
internal sealed record RegionMembers(string Label, IReadOnlyList<ulong> Peers);

/// <summary>One ring of a hierarchy: its kind, the label level it works at (0: across top-level regions), its elements and members in ring order.</summary>
internal sealed record StageSummary(string Kind, uint Level, ulong FirstElement, ulong ElementCount, IReadOnlyList<ulong> Members);
