namespace Pccl.Hosting.Configuration;

/// <summary>The <c>fault_tolerance</c> section.</summary>
public sealed record FaultToleranceConfig
{
    /// <summary><c>enable_buffer_backup</c>: keep a copy of in-place all-reduce inputs for retries, default true.</summary>
    public bool EnableBufferBackup { get; init; } = true;

    /// <summary><c>checkpoint_interval_steps</c>: steps between checkpoints, default 100.</summary>
    public int CheckpointIntervalSteps { get; init; } = 100;

    /// <summary><c>max_recovery_attempts</c>: retries after a failed operation, default 3.</summary>
    public int MaxRecoveryAttempts { get; init; } = 3;

    /// <summary><c>checkpoint_dir</c>: where checkpoints are written; none by default (no checkpoints).</summary>
    public string? CheckpointDir { get; init; }

    /// <summary><c>master_reconnect_timeout_ms</c>: how long a worker that lost its master keeps reconnecting, default 30000.</summary>
    public int MasterReconnectTimeoutMs { get; init; } = 30_000;
}
