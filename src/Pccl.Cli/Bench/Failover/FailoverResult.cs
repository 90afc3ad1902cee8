using System.Text.Json.Serialization;

namespace Pccl.Cli.Bench.Failover;

/// <summary>
/// One scenario of <c>pccl bench failover</c> (<c>sigkill</c> or <c>sigstop</c> of the leader): medians and maxima over
/// rounds, in milliseconds from the signal to the standby serving, to every worker registered with it, and to the next
/// all-reduce completed at the full world on every worker; and the steps any worker completed under the old leader's
/// epoch after it was deposed (must be 0).
/// </summary>
internal sealed record FailoverResult
{
    [JsonPropertyName("scenario")] public required string Scenario { get; init; }
    [JsonPropertyName("workers")] public int Workers { get; init; }
    [JsonPropertyName("rounds")] public int Rounds { get; init; }
    [JsonPropertyName("lease_ttl_ms")] public int LeaseTtlMs { get; init; }
    [JsonPropertyName("to_standby_serving_ms")] public double ToStandbyServingMs { get; init; }
    [JsonPropertyName("to_standby_serving_ms_max")] public double ToStandbyServingMsMax { get; init; }
    [JsonPropertyName("to_all_registered_ms")] public double ToAllRegisteredMs { get; init; }
    [JsonPropertyName("to_all_registered_ms_max")] public double ToAllRegisteredMsMax { get; init; }
    [JsonPropertyName("to_full_world_allreduce_ms")] public double ToFullWorldAllReduceMs { get; init; }
    [JsonPropertyName("to_full_world_allreduce_ms_max")] public double ToFullWorldAllReduceMsMax { get; init; }
    [JsonPropertyName("old_epoch_steps_accepted")] public int OldEpochStepsAccepted { get; init; }

    /// <summary>Where the time goes: the median of each phase over rounds, in milliseconds from the signal (see <see cref="FailoverPhases"/>).</summary>
    [JsonPropertyName("phases_ms")] public required IReadOnlyDictionary<string, double?> PhasesMs { get; init; }

    /// <summary>The target: the next full-world all-reduce within 2 s of the signal, in every round.</summary>
    [JsonPropertyName("target_met")] public bool TargetMet { get; init; }
}

/// <summary>One round: its phases, and the old-epoch steps seen after the old leader was deposed.</summary>
internal sealed record FailoverSample(FailoverPhases Phases, int OldEpochSteps);

[JsonSerializable(typeof(FailoverResult))]
internal sealed partial class FailoverJson : JsonSerializerContext;
