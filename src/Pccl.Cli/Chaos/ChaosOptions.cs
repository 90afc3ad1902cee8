namespace Pccl.Cli.Chaos;

/// <summary>Settings of <c>pccl bench chaos</c>.</summary>
internal sealed record ChaosOptions
{
    /// <summary>Most worker processes alive at once; at least 2 are kept alive.</summary>
    public int PeersMax { get; init; } = 8;

    /// <summary>How long to play faults.</summary>
    public TimeSpan Duration { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>Seed of the fault schedule.</summary>
    public int Seed { get; init; } = Environment.TickCount;

    /// <summary>Float32 elements each worker all-reduces per step.</summary>
    public int Elements { get; init; } = 1 << 16;

    /// <summary>Pause after each step, so small steps do not flood the two cores with JSON lines.</summary>
    public int StepDelayMs { get; init; } = 20;

    /// <summary>A run fails when no step completes for this long while at least two peers run.</summary>
    public TimeSpan StallLimit { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>A new worker counts as a running peer once it reported a step or after this long (start-up and admission).</summary>
    public TimeSpan StartupGrace { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Revisions between the checkpoints every worker writes into the run's shared checkpoint directory.</summary>
    public int CheckpointIntervalSteps { get; init; } = 10;

    /// <summary>
    /// When to kill every worker at once, the last holders of the shared state included (as soon as the group is past its newest checkpoint);
    /// null: never. The workers started next must resume from the newest checkpoint.
    /// </summary>
    public TimeSpan? TotalLossAt { get; init; }

    /// <summary>How long a run may go on past its duration while the total loss is still to be played or recovered from.</summary>
    public TimeSpan RecoveryPatience { get; init; } = TimeSpan.FromSeconds(20);

    /// <summary>Runs shorter than this get no total loss unless one is asked for: recovery needs a few seconds of its own.</summary>
    public static readonly TimeSpan ShortestWithTotalLoss = TimeSpan.FromSeconds(10);

    /// <summary>Print the summary as JSON.</summary>
    public bool Json { get; init; }
}
