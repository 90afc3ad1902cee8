using System.Text.Json.Serialization;

namespace Pccl.Cli.Recovery;

/// <summary>
/// What <c>pccl bench recovery</c> measured: medians and maxima over rounds, in milliseconds from the signal to the
/// last survivor's error and to the last survivor's next success, and whether each target was met.
/// </summary>
internal sealed record RecoveryResult
{
    [JsonPropertyName("peers")] public int Peers { get; init; }
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
}
