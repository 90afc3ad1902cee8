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

    /// <summary>A fault to inject into this worker (<c>--inject-fault</c>, tests only); null for none.</summary>
    public FaultPlan? Fault { get; init; }

    /// <summary>Print a line (<see cref="AttemptReport"/>) after every failed all-reduce attempt (<c>--report-attempts</c>, tests only).</summary>
    public bool ReportAttempts { get; init; }

    /// <summary>Run the topology optimisation vote after every topology round that admitted peers (<c>performance.optimize_topology</c>).</summary>
    public bool OptimizeTopologyOnWorldChange { get; init; }
}
