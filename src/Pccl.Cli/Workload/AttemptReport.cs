using System.Text.Json.Serialization;

namespace Pccl.Cli.Workload;

/// <summary>
/// The JSON line <c>pccl worker --report-attempts</c> prints when an all-reduce attempt has failed and the library has
/// restored the buffer: facts only (what the buffer holds, when), for a test to judge. <c>peer_id</c> is the id the input
/// was made for, which a follow to a new leader during the retries may have changed since.
/// </summary>
internal sealed record AttemptReport(
    [property: JsonPropertyName("failed_attempt_step")] int Step,
    [property: JsonPropertyName("peer_id")] ulong PeerId,
    [property: JsonPropertyName("input_key")] ulong InputKey,
    [property: JsonPropertyName("buffer_hash")] string BufferHash,
    [property: JsonPropertyName("error")] string Error,
    [property: JsonPropertyName("reason")] string Reason,
    [property: JsonPropertyName("t_ns")] long TimeNs);
