using System.Text.Json.Serialization;
using Pccl.Cli.Processes;

namespace Pccl.Cli.Demo;

/// <summary>
/// What the demo's workers did, checked: every all-reduce the master numbered must have one result hash, and every
/// shared-state revision one content hash. <c>operations_compared</c> counts the all-reduces that two or more workers
/// reported, so that their hashes were compared.
/// </summary>
internal sealed record DemoSummary(
    [property: JsonPropertyName("operations")] int Operations,
    [property: JsonPropertyName("operations_compared")] int OperationsCompared,
    [property: JsonPropertyName("disagreements")] int Disagreements,
    [property: JsonPropertyName("retries")] int Retries,
    [property: JsonPropertyName("max_world")] int MaxWorld,
    [property: JsonPropertyName("final_world")] int FinalWorld,
    [property: JsonPropertyName("revisions")] int Revisions,
    [property: JsonPropertyName("state_divergences")] int StateDivergences)
{
    public static DemoSummary From(IReadOnlyList<WorkerProcess> workers)
    {
        var reports = workers.SelectMany(w => w.Reports).ToList();
        var bySequence = reports.GroupBy(r => r.Sequence).ToList();
        var disagreements = bySequence.Count(g => g.Select(r => r.ResultHash).Distinct().Count() > 1);
        var finalWorld = reports.Count == 0 ? 0 : reports.OrderBy(r => r.Sequence).Last().WorldSize;
        var byRevision = reports.GroupBy(r => r.Revision).ToList();
        var divergences = byRevision.Count(g => g.Select(r => r.StateHash).Distinct().Count() > 1);
        return new DemoSummary(bySequence.Count, bySequence.Count(g => g.Count() > 1), disagreements, reports.Sum(r => r.Retries),
            reports.Count == 0 ? 0 : reports.Max(r => r.WorldSize), finalWorld, byRevision.Count, divergences);
    }
}
