namespace Pccl.Transport;

/// <summary>
/// A standby master turned a control connection away (transient): it serves nothing, and <see cref="LeaderAddress"/>
/// names the leader to try instead, when one holds the lease.
/// </summary>
internal sealed class StandbyRefusalException(string endpoint, string leaderAddress, string detail) : PcclException(
    PcclErrorCode.ConnectionRefused,
    $"{endpoint} is a standby master and serves no peer ({(leaderAddress.Length > 0 ? $"the leader is {leaderAddress}" : "no leader holds the lease now")})" +
    (detail.Length > 0 ? $": {detail}" : ""),
    isTransient: true)
{
    /// <summary>The leader's control address (host:port) as the standby knows it; empty when none leads.</summary>
    public string LeaderAddress { get; } = leaderAddress;
}
