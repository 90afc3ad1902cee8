using System.Text.Json.Serialization;

namespace Pccl.Cli.Recovery;

/// <summary>
/// When one failed attempt's failure path reached each milestone (<see cref="Pccl.Operations.Faults.FailureMilestone"/>),
/// in host monotonic nanoseconds; null for a milestone it did not reach (a peer told by the master's abort sees no
/// broken link; an abort read after the error was raised is not on the path).
/// </summary>
internal sealed record FailureMarks
{
    [JsonPropertyName("link_broken_ns")] public long? LinkBrokenNs { get; init; }
    [JsonPropertyName("abort_ns")] public long? AbortNs { get; init; }
    [JsonPropertyName("unwound_ns")] public long? UnwoundNs { get; init; }
    [JsonPropertyName("retired_ns")] public long? RetiredNs { get; init; }
    [JsonPropertyName("told_ns")] public long? ToldNs { get; init; }
    [JsonPropertyName("restored_ns")] public long? RestoredNs { get; init; }
}
