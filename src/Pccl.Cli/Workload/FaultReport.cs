using System.Text.Json.Serialization;

namespace Pccl.Cli.Workload;

/// <summary>The JSON line a worker prints just before it injects a fault into itself (see <see cref="FaultPlan"/>).</summary>
internal sealed record FaultReport(
    [property: JsonPropertyName("fault")] string Fault,
    [property: JsonPropertyName("step")] int Step,
    [property: JsonPropertyName("seq")] ulong Sequence,
    [property: JsonPropertyName("peer_id")] ulong PeerId,
    [property: JsonPropertyName("t_ns")] long TimeNs)
{
    /// <summary>For an all-reduce fault: buffer bytes this peer had received and applied when it fired.</summary>
    [JsonPropertyName("moved_bytes")]
    public long? BytesMoved { get; init; }

    /// <summary>For an all-reduce fault: buffer bytes this peer receives and applies over the whole operation.</summary>
    [JsonPropertyName("total_bytes")]
    public long? BytesToMove { get; init; }
}
