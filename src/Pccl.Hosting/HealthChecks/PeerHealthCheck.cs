using Microsoft.Extensions.Diagnostics.HealthChecks;
using Pccl.Hosting.DependencyInjection;

namespace Pccl.Hosting.HealthChecks;

/// <summary>
/// A peer's liveness (unhealthy once joining failed for good) or readiness (healthy only while it is in the run).
/// </summary>
internal sealed class PeerHealthCheck(PcclPeer peer, bool readiness) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(Check());

    private HealthCheckResult Check()
    {
        if (peer.Failure is { } failure)
        {
            return HealthCheckResult.Unhealthy($"could not join the run: {failure.Message}", failure);
        }

        if (!readiness || peer.IsInRun)
        {
            return HealthCheckResult.Healthy(peer.Communicator is { } c ? $"peer {c.PeerId} in a world of {c.GlobalWorldSize}" : "joining");
        }

        return HealthCheckResult.Unhealthy(peer.Communicator is null ? "not accepted into the run yet" : "left the run");
    }
}
