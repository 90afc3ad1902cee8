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

    /// <summary>Results that peers agreed on but that are not the exact sum of the reported participants' inputs.</summary>
    [JsonPropertyName("wrong_sums")] public int WrongSums { get; init; }
    [JsonPropertyName("max_world")] public int MaxWorld { get; init; }
    [JsonPropertyName("longest_stall_s")] public double LongestStallSeconds { get; init; }
    [JsonPropertyName("resumes")] public int Resumes { get; init; }
    [JsonPropertyName("total_losses")] public int TotalLosses { get; init; }
    [JsonPropertyName("lost_revision")] public ulong? LostRevision { get; init; }
    [JsonPropertyName("checkpoint_revision")] public ulong? CheckpointRevision { get; init; }

    /// <summary>Total losses after which the group's next revision was the newest checkpoint's + 1.</summary>
    [JsonPropertyName("recoveries")] public int Recoveries { get; init; }

    public static ChaosSummary Of(string? failure, ChaosTally tally, ChaosOptions options, TimeSpan duration) => new()
    {
        Passed = failure is null,
        Failure = failure,
        Seed = options.Seed,
        DurationSeconds = Math.Round(duration.TotalSeconds, 1),
        PeersMax = options.PeersMax,
        WorkersStarted = tally.WorkersStarted,
        Kills = tally.Kills,
        Stops = tally.Stops,
        Evicted = tally.Evicted,
        StepsReported = tally.Steps,
        Operations = tally.Operations,
        RetriedSteps = tally.RetriedSteps,
        Disagreements = tally.Disagreements,
        WrongSums = tally.WrongSums,
        MaxWorld = tally.MaxWorld,
        LongestStallSeconds = Math.Round(tally.LongestStall.TotalSeconds, 2),
        Resumes = tally.Resumes,
        TotalLosses = tally.TotalLosses,
        LostRevision = tally.LostRevision,
        CheckpointRevision = tally.CheckpointRevision,
        Recoveries = tally.Recoveries,
    };
}

[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(ChaosSummary))]
internal sealed partial class ChaosJson : JsonSerializerContext;
