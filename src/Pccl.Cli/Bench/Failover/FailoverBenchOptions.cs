namespace Pccl.Cli.Bench.Failover;

/// <summary>What <c>pccl bench failover</c> runs.</summary>
/// <param name="Workers">Worker processes.</param>
/// <param name="Rounds">Rounds of each scenario.</param>
/// <param name="Store">The PostgreSQL URL of an existing database; null starts a private PostgreSQL 15.</param>
/// <param name="LeaseTtlMs">master.lease_ttl_ms of both masters.</param>
/// <param name="Elements">float32 elements each worker all-reduces per step.</param>
/// <param name="StepDelayMs">The workers' pause after each step.</param>
/// <param name="Json">One JSON line per scenario instead of tables.</param>
internal sealed record FailoverBenchOptions(int Workers = 3, int Rounds = 3, string? Store = null, int LeaseTtlMs = 1500, int Elements = 1 << 16,
    int StepDelayMs = 20, bool Json = false);
