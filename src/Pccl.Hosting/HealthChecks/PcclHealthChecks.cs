namespace Pccl.Hosting.HealthChecks;

/// <summary>
/// The health checks <c>AddPcclCommunicator</c> and <c>AddPcclMaster</c> register, as <c>pccl</c>'s <c>/healthz</c>
/// and <c>/readyz</c> answer: the <see cref="LiveTag"/> check is healthy while the process can still do its work, the
/// <see cref="ReadyTag"/> check while it does it (a peer: accepted into the run; a master: listening). Map them with
/// <c>MapHealthChecks("/readyz", new() { Predicate = c => c.Tags.Contains(PcclHealthChecks.ReadyTag) })</c>.
/// </summary>
public static class PcclHealthChecks
{
    /// <summary>Tag of the liveness checks.</summary>
    public const string LiveTag = "live";

    /// <summary>Tag of the readiness checks.</summary>
    public const string ReadyTag = "ready";

    /// <summary>Name of the peer's liveness check.</summary>
    public const string PeerLive = "pccl-peer-live";

    /// <summary>Name of the peer's readiness check.</summary>
    public const string PeerReady = "pccl-peer-ready";

    /// <summary>Name of the master's check (liveness and readiness: it is ready as soon as it listens).</summary>
    public const string Master = "pccl-master";
}
