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

    /// <summary>When the retired lanes' connections were closed (beside the path, not one of its steps).</summary>
    [JsonPropertyName("closed_ns")] public long? ClosedNs { get; init; }

    /// <summary>How many failed attempts this worker had timed before this one (0: its first, so its failure path ran cold).</summary>
    [JsonPropertyName("earlier_failures")] public int EarlierFailures { get; init; }

    /// <summary>Time the process spent compiling methods (any thread) from the driver's unwinding to the caught error.</summary>
    [JsonPropertyName("path_jit_ms")] public double PathJitMs { get; init; }

    /// <summary>Of that, from the driver's unwinding to the lanes' retirement.</summary>
    [JsonPropertyName("retire_jit_ms")] public double? RetireJitMs { get; init; }

    /// <summary>Garbage-collection pauses from the driver's unwinding to the caught error.</summary>
    [JsonPropertyName("path_gc_pause_ms")] public double PathGcPauseMs { get; init; }
}
