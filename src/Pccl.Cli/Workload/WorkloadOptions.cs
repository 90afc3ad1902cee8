namespace Pccl.Cli.Workload;

/// <summary>Shape of the reference training loop.</summary>
internal sealed record WorkloadOptions
{
    /// <summary>Steps to complete; 0 runs until stopped.</summary>
    public int Steps { get; init; }

    /// <summary>Float32 elements all-reduced per step.</summary>
    public int Elements { get; init; } = 1 << 20;

    /// <summary>Pause after each step (to make a demo watchable).</summary>
    public TimeSpan StepDelay { get; init; }

    /// <summary>
    /// Fill every peer's buffer with the same known values and check each result exactly (world size × value), and
    /// after a failed attempt check the in-place buffer was restored; for fault-tolerance tests.
    /// </summary>
    public bool Verify { get; init; }
}
