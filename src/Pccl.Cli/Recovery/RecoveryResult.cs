using System.Text.Json.Serialization;

namespace Pccl.Cli.Recovery;

/// <summary>
/// What <c>pccl bench recovery</c> measured: medians and maxima over rounds, in milliseconds from the signal to the
/// last survivor's error and to the last survivor's next success, whether each target was met, and the failure path of
/// the kills phase by phase beside the teardown floor.
/// </summary>
internal sealed record RecoveryResult
{
    [JsonPropertyName("peers")] public int Peers { get; init; }

    /// <summary>The worker processes that ran: <c>pccl</c> (this tool's <c>bench recovery-worker</c>, run by the JIT) or the NativeAOT binary's path.</summary>
    [JsonPropertyName("worker")] public string Worker { get; init; } = "pccl";
    [JsonPropertyName("size_bytes")] public long SizeBytes { get; init; }
    [JsonPropertyName("rounds")] public int Rounds { get; init; }
    [JsonPropertyName("heartbeat_timeout_ms")] public double HeartbeatTimeoutMs { get; init; }
    [JsonPropertyName("kill_to_error_ms")] public double? KillToErrorMs { get; init; }
    [JsonPropertyName("kill_to_error_ms_max")] public double? KillToErrorMsMax { get; init; }
    [JsonPropertyName("kill_to_success_ms")] public double KillToSuccessMs { get; init; }
    [JsonPropertyName("kill_to_success_ms_max")] public double KillToSuccessMsMax { get; init; }
    [JsonPropertyName("hang_to_error_ms")] public double? HangToErrorMs { get; init; }
    [JsonPropertyName("hang_to_error_ms_max")] public double? HangToErrorMsMax { get; init; }
    [JsonPropertyName("hang_to_success_ms")] public double HangToSuccessMs { get; init; }
    [JsonPropertyName("hang_to_success_ms_max")] public double HangToSuccessMsMax { get; init; }
    [JsonPropertyName("smaller_world_allreduce_ms")] public double SmallerWorldAllReduceMs { get; init; }
    [JsonPropertyName("faults_between_operations")] public int FaultsBetweenOperations { get; init; }
    [JsonPropertyName("kill_to_error_target_met")] public bool KillToErrorTargetMet { get; init; }
    [JsonPropertyName("hang_to_error_target_met")] public bool HangToErrorTargetMet { get; init; }
    [JsonPropertyName("to_success_target_met")] public bool ToSuccessTargetMet { get; init; }

    /// <summary>The killed peers' resident memory just before the signal (median).</summary>
    [JsonPropertyName("victim_rss_mb")] public double? VictimRssMb { get; init; }

    /// <summary>Of that, in transparent huge pages (median).</summary>
    [JsonPropertyName("victim_huge_page_mb")] public double? VictimHugePageMb { get; init; }

    /// <summary>SIGKILL → end of stream for a helper holding the victim's resident memory (median): the kernel's part.</summary>
    [JsonPropertyName("teardown_floor_ms")] public double? TeardownFloorMs { get; init; }

    /// <summary>Per kill, the last survivor's error minus that kill's floor (median): what is PCCL's own.</summary>
    [JsonPropertyName("kill_to_error_over_floor_ms")] public double? KillToErrorOverFloorMs { get; init; }

    /// <summary>The failure path of the median kill (by its total), phase by phase; the phases add up to its total.</summary>
    [JsonPropertyName("timeline")] public KillTimeline? Timeline { get; init; }

    /// <summary>Every kill's failure path, shortest first.</summary>
    [JsonPropertyName("kill_timelines")] public IReadOnlyList<KillTimeline> KillTimelines { get; init; } = [];

    /// <summary>Median error minus floor at most 5 ms.</summary>
    [JsonPropertyName("over_floor_target_met")] public bool OverFloorTargetMet { get; init; }

    /// <summary>Median kill → error at most 25.6 ms (PCCL's figure on this machine kind).</summary>
    [JsonPropertyName("kill_to_error_median_target_met")] public bool KillToErrorMedianTargetMet { get; init; }

    /// <summary>Median kill → next success at most 142 ms (PCCL's figure on this machine kind).</summary>
    [JsonPropertyName("kill_to_success_target_met")] public bool KillToSuccessTargetMet { get; init; }
}

[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(RecoveryResult))]
internal sealed partial class RecoveryResultJson : JsonSerializerContext;
