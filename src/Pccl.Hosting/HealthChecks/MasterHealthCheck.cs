using Microsoft.Extensions.Diagnostics.HealthChecks;
using Pccl.Hosting.DependencyInjection;

namespace Pccl.Hosting.HealthChecks;

/// <summary>The master's health: healthy while it listens.</summary>
internal sealed class MasterHealthCheck(PcclMaster master) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(master.Port > 0
            ? HealthCheckResult.Healthy($"listening on port {master.Port}")
            : HealthCheckResult.Unhealthy("the master is not running (the host has not started or has stopped)"));
}
