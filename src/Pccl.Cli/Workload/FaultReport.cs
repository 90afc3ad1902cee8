using System.Text.Json.Serialization;

namespace Pccl.Cli.Workload;

/// <summary>The JSON line a worker prints just before it injects a test fault into itself (see <see cref="FaultInjection"/>).</summary>
internal sealed record FaultReport(
    [property: JsonPropertyName("fault")] string Fault,
    [property: JsonPropertyName("step")] int Step,
    [property: JsonPropertyName("seq")] ulong Sequence,
    [property: JsonPropertyName("peer_id")] ulong PeerId,
    [property: JsonPropertyName("t_ns")] long TimeNs);
