using System.Text.Json.Serialization;

namespace Pccl.Cli.Chaos;

/// <summary>What a chaos run did and whether it held; printed as a table or, with <c>--json</c>, as one JSON object.</summary>
internal sealed record ChaosSummary
{
    [JsonPropertyName("passed")] public bool Passed { get; init; }
    [JsonPropertyName("failure")] public string? Failure { get; init; }
    [JsonPropertyName("seed")] public int Seed { get; init; }
    [JsonPropertyName("duration_s")] public double DurationSeconds { get; init; }
    [JsonPropertyName("peers_max")] public int PeersMax { get; init; }
    [JsonPropertyName("workers_started")] public int WorkersStarted { get; init; }
    [JsonPropertyName("kills")] public int Kills { get; init; }
    [JsonPropertyName("stops")] public int Stops { get; init; }
    [JsonPropertyName("evicted")] public int Evicted { get; init; }
    [JsonPropertyName("steps_reported")] public int StepsReported { get; init; }
    [JsonPropertyName("operations")] public int Operations { get; init; }
    [JsonPropertyName("retried_steps")] public int RetriedSteps { get; init; }
    [JsonPropertyName("disagreements")] public int Disagreements { get; init; }
    [JsonPropertyName("max_world")] public int MaxWorld { get; init; }
    [JsonPropertyName("longest_stall_s")] public double LongestStallSeconds { get; init; }
}

[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(ChaosSummary))]
internal sealed partial class ChaosJson : JsonSerializerContext;
