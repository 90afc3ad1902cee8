namespace Pccl.Cli.Chaos;

/// <summary>What the chaos referee learns, in the order the driver saw it; <see cref="At"/> is driver time.</summary>
internal abstract record ChaosEvent(TimeSpan At);

internal sealed record WorkerStarted(TimeSpan At, int Worker) : ChaosEvent(At);

internal sealed record StepReported(TimeSpan At, int Worker, ChaosStep Step) : ChaosEvent(At);

/// <summary>The worker loaded a checkpoint before it joined (its <c>resumed_revision</c> line).</summary>
internal sealed record WorkerResumed(TimeSpan At, int Worker, ulong Revision, string StateHash) : ChaosEvent(At);

internal sealed record WorkerKilled(TimeSpan At, int Worker) : ChaosEvent(At);

internal sealed record WorkerStopped(TimeSpan At, int Worker) : ChaosEvent(At);

internal sealed record WorkerContinued(TimeSpan At, int Worker) : ChaosEvent(At);

/// <summary>The process ended; <paramref name="SaysRemoved"/>: its log ends with Kicked or MasterLost (the master had removed it).</summary>
internal sealed record WorkerExited(TimeSpan At, int Worker, int Code, bool SaysRemoved, string LogTail) : ChaosEvent(At);

/// <summary>
/// Every process that held the shared state was killed at revision <paramref name="LostRevision"/>. The newest checkpoint
/// on disk (what a newcomer loads) is <paramref name="CheckpointRevision"/> with <paramref name="CheckpointStateHash"/>; both null when there is none.
/// </summary>
internal sealed record TotalLoss(TimeSpan At, ulong LostRevision, ulong? CheckpointRevision, string? CheckpointStateHash) : ChaosEvent(At);

/// <summary>Time passes: stalls are measured between ticks.</summary>
internal sealed record Tick(TimeSpan At) : ChaosEvent(At);
