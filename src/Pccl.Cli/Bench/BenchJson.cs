using System.Text.Json.Serialization;

namespace Pccl.Cli.Bench;

/// <summary>
/// What one bench worker measured for one size: its times, whether every checked element was within <c>error_bound</c> of
/// the exact sum (<c>max_error</c>, the largest distance), and a hash of all its timed results.
/// </summary>
internal sealed record WorkerResult(
    [property: JsonPropertyName("peer")] ulong Peer,
    [property: JsonPropertyName("bytes")] long Bytes,
    [property: JsonPropertyName("times")] List<double> Times,
    [property: JsonPropertyName("correct")] bool Correct,
    [property: JsonPropertyName("hash")] string Hash,
    [property: JsonPropertyName("algorithm")] string Algorithm,
    [property: JsonPropertyName("max_error"), JsonNumberHandling(JsonNumberHandling.AllowNamedFloatingPointLiterals)] double MaxError,
    [property: JsonPropertyName("error_bound")] double ErrorBound)
{
    /// <summary>The peer ids of the last timed all-reduce, in the master's ring order.</summary>
    [JsonPropertyName("ring")]
    public IReadOnlyList<ulong> Ring { get; init; } = [];

    /// <summary>Per timed iteration, bytes over the emulated WAN's busiest path direction (<c>bench wan</c> only).</summary>
    [JsonPropertyName("path_bytes"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public List<long>? PathBytes { get; init; }
}

/// <summary>
/// One size's result across all peers, as <c>--json</c> prints it: <c>correct</c> when every peer's values passed and
/// every peer's results hash the same; <c>max_error</c> and <c>error_bound</c> over all peers.
/// </summary>
internal sealed record SizeResult(
    [property: JsonPropertyName("impl")] string Impl,
    [property: JsonPropertyName("peers")] int Peers,
    [property: JsonPropertyName("bytes")] long Bytes,
    [property: JsonPropertyName("median_s")] double MedianSeconds,
    [property: JsonPropertyName("min_s")] double MinSeconds,
    [property: JsonPropertyName("max_s")] double MaxSeconds,
    [property: JsonPropertyName("algbw_gbps")] double AlgBwGbps,
    [property: JsonPropertyName("busbw_gbps")] double BusBwGbps,
    [property: JsonPropertyName("correct")] bool Correct,
    [property: JsonPropertyName("bound_to_cores")] bool BoundToCores,
    [property: JsonPropertyName("algorithm")] string Algorithm,
    [property: JsonPropertyName("max_error"), JsonNumberHandling(JsonNumberHandling.AllowNamedFloatingPointLiterals)] double MaxError,
    [property: JsonPropertyName("error_bound")] double ErrorBound);

[JsonSerializable(typeof(WorkerResult))]
[JsonSerializable(typeof(SizeResult))]
[JsonSerializable(typeof(MasterScale.MasterScaleResult))]
internal sealed partial class BenchJson : JsonSerializerContext;
