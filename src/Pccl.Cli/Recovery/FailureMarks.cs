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

    /// <summary>Bytes of input the restore put back (what the operation had overwritten); null when it was not reached.</summary>
    [JsonPropertyName("restored_bytes")] public long? RestoredBytes { get; init; }

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

    /// <summary>Time the process spent compiling methods (any thread) from the first sign of the failure to the driver's unwinding; null without a first sign.</summary>
    [JsonPropertyName("unwind_jit_ms")] public double? UnwindJitMs { get; init; }

    /// <summary>Methods the process compiled in that span.</summary>
    [JsonPropertyName("unwind_jit_methods")] public long? UnwindJitMethods { get; init; }

    /// <summary>Garbage-collection pauses in that span.</summary>
    [JsonPropertyName("unwind_gc_pause_ms")] public double? UnwindGcPauseMs { get; init; }

    /// <summary>Thread-pool threads the pool added in that span (it injects threads when its work items block or wait).</summary>
    [JsonPropertyName("unwind_pool_threads_added")] public int? UnwindPoolThreadsAdded { get; init; }
}
