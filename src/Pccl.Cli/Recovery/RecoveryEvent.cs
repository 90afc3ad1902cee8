using System.Text.Json.Serialization;

namespace Pccl.Cli.Recovery;

/// <summary>
/// A line a recovery-benchmark worker prints: <c>ready</c> once accepted, <c>success</c> per completed all-reduce,
/// <c>error</c> per failed attempt, stamped as the call threw, with its failure path's <c>marks</c>. <c>t_ns</c> is
/// monotonic time, comparable across processes of this host.
/// </summary>
internal sealed record RecoveryEvent(
    [property: JsonPropertyName("event")] string Kind,
    [property: JsonPropertyName("peer_id")] ulong PeerId,
    [property: JsonPropertyName("t_ns")] long TimeNs,
    [property: JsonPropertyName("world")] int World,
    [property: JsonPropertyName("seq")] ulong Sequence = 0,
    [property: JsonPropertyName("ms")] double Milliseconds = 0,
    [property: JsonPropertyName("code")] string? Code = null,
    [property: JsonPropertyName("marks")] FailureMarks? Marks = null)
{
    public const string Ready = "ready";
    public const string Success = "success";
    public const string Error = "error";
}

[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(RecoveryEvent))]
internal sealed partial class RecoveryJson : JsonSerializerContext;
