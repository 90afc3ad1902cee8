using System.Text.Json.Serialization;
using Pccl.Cli.Processes;

namespace Pccl.Cli.Workload;

/// <summary>
/// One completed step, printed as a JSON line by <c>pccl worker --json</c>. <c>retries</c> counts the failed attempts
/// of the step and <c>error</c> names the last one's code. <c>t_ns</c> is <see cref="MonotonicClock"/> time, comparable
/// across processes of one host. The worker states what it fed in and got out (<c>peers</c>, <c>input_key</c>,
/// <c>input_hash</c>, <c>result_hash</c>), never whether the result is right: anyone can recompute that.
/// </summary>
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
    [property: JsonPropertyName("sync_rx_bytes")] ulong SyncRxBytes)
{
    /// <summary>The peers whose input is in the result (<see cref="AllReduceInfo.PeerIds"/>).</summary>
    [JsonPropertyName("peers")]
    public IReadOnlyList<ulong>? Peers { get; init; }

    /// <summary>The key every participant's input was made from (<see cref="Contribution"/>): the shared-state revision.</summary>
    [JsonPropertyName("input_key")]
    public ulong? InputKey { get; init; }

    /// <summary>Hash of this peer's input (<see cref="Contribution.Hash"/>), taken before the all-reduce.</summary>
    [JsonPropertyName("input_hash")]
    public string? InputHash { get; init; }

    /// <summary>The epoch of the master that numbered <c>seq</c> (<see cref="AllReduceInfo.MasterEpoch"/>): (epoch, seq) names one all-reduce across failovers.</summary>
    [JsonPropertyName("master_epoch")]
    public ulong MasterEpoch { get; init; }

    /// <summary>True when the master of <c>master_epoch</c> was lost mid-step and the next leader's verdict completed it (<see cref="AllReduceInfo.SettledInDoubt"/>).</summary>
    [JsonPropertyName("settled_in_doubt")]
    public bool SettledInDoubt { get; init; }

    /// <summary>When the step completed (monotonic nanoseconds).</summary>
    [JsonPropertyName("t_ns")]
    public long TimeNs { get; init; }
}

/// <summary>Every JSON line <c>pccl worker</c> prints (and <see cref="WorkerProcess"/> reads back).</summary>
[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(StepReport))]
[JsonSerializable(typeof(FaultReport))]
[JsonSerializable(typeof(AttemptReport))]
[JsonSerializable(typeof(ResumeReport))]
internal sealed partial class WorkerJson : JsonSerializerContext;
