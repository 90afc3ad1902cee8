using System.Text.Json.Serialization;

namespace Pccl.Cli.Workload;

/// <summary>One completed step, printed as a JSON line by <c>pccl worker --json</c>.</summary>
internal sealed record StepReport(
    [property: JsonPropertyName("step")] int Step,
    [property: JsonPropertyName("world_size")] int WorldSize,
    [property: JsonPropertyName("peer_id")] ulong PeerId,
    [property: JsonPropertyName("seq")] ulong Sequence,
    [property: JsonPropertyName("allreduce_ms")] double AllReduceMs,
    [property: JsonPropertyName("result_hash")] string ResultHash,
    [property: JsonPropertyName("retries")] int Retries,
    [property: JsonPropertyName("error")] string? Error,
    [property: JsonPropertyName("revision")] ulong Revision,
    [property: JsonPropertyName("state_hash")] string StateHash,
    [property: JsonPropertyName("sync_tx_bytes")] ulong SyncTxBytes,
    [property: JsonPropertyName("sync_rx_bytes")] ulong SyncRxBytes);

[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(StepReport))]
internal sealed partial class StepReportJson : JsonSerializerContext;
