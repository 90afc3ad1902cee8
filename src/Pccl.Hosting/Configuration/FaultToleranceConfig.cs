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

    /// <summary><c>registration_timeout_ms</c>: how long the master waits for a connection to register before closing it, default 10000.</summary>
    public int RegistrationTimeoutMs { get; init; } = 10_000;

    /// <summary>
    /// <c>vote_timeout_ms</c>: once one member voted or started a collective or shared-state sync, how long the master waits
    /// for the others before removing the silent ones, default 60000.
    /// </summary>
    public int VoteTimeoutMs { get; init; } = 60_000;

    /// <summary><c>topology_timeout_ms</c>: how long the master waits for every peer of a topology update to report its ring connections, default 30000.</summary>
    public int TopologyTimeoutMs { get; init; } = 30_000;

    /// <summary><c>shared_state_timeout_ms</c>: how long the master waits for each receiver of a shared-state sync to finish, default 600000.</summary>
    public int SharedStateTimeoutMs { get; init; } = 600_000;

    /// <summary>
    /// <c>shared_state_min_bytes_per_s</c>: the slowest transfer rate the master allows a shared-state receiver; each
    /// receiver may take <c>shared_state_timeout_ms</c> plus its planned bytes at this rate, default 10000000 (10 MB/s).
    /// </summary>
    public long SharedStateMinBytesPerS { get; init; } = 10_000_000;
}
