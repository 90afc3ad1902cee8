namespace Pccl.Hosting.Configuration;

/// <summary>The <c>master</c> section: where the master keeps its state and how it shares leadership with standbys.</summary>
public sealed record MasterConfig
{
    /// <summary>
    /// <c>store</c>: <c>memory</c> (the default: nothing survives the master), <c>sqlite:PATH</c> (one master that
    /// keeps its epoch and revisions across restarts), or <c>postgresql://user[:password]@host[:port]/database</c>
    /// (an active master with standbys). Environment: <c>PCCL_MASTER_STORE</c>; flag: <c>pccl master --store</c>.
    /// </summary>
    public string Store { get; init; } = "memory";

    /// <summary><c>store_password</c>: the PostgreSQL password when the URL carries none (<c>PCCL_MASTER_STORE_PASSWORD</c>).</summary>
    public string? StorePassword { get; init; }

    /// <summary><c>lease_ttl_ms</c>: how long the leader lease lasts unrenewed; above <c>network.heartbeat_interval_ms</c>.</summary>
    public int LeaseTtlMs { get; init; } = (int)MasterOptions.Default.LeaseTtl.TotalMilliseconds;
}
