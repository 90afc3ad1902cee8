using Pccl.Hosting.Configuration;

namespace Pccl.Cli.Processes;

/// <summary>
/// The heartbeat interval and timeout of the runs that start their own master and workers here (<c>pccl demo</c>,
/// <c>pccl bench recovery</c>, <c>pccl bench allreduce</c> and <c>pccl bench sync</c>): <c>network.heartbeat_interval_ms</c> and <c>network.heartbeat_timeout_ms</c> from the
/// environment (<c>PCCL_NETWORK_HEARTBEAT_*</c>, which the worker processes inherit), else the defaults of 100 / 500 ms.
/// </summary>
internal static class LoopbackHeartbeats
{
    /// <summary>A master on 127.0.0.1 with an OS-assigned port and these heartbeats.</summary>
    /// <exception cref="ConfigException">A <c>PCCL_*</c> variable is invalid.</exception>
    public static MasterOptions Master()
    {
        var (interval, timeout) = FromEnvironment();
        return MasterOptions.Default with { BindAddress = "127.0.0.1", Port = 0, HeartbeatInterval = interval, HeartbeatTimeout = timeout };
    }

    /// <summary><paramref name="options"/> with these heartbeats.</summary>
    /// <exception cref="ConfigException">A <c>PCCL_*</c> variable is invalid.</exception>
    public static CommunicatorOptions Apply(CommunicatorOptions options)
    {
        var (interval, timeout) = FromEnvironment();
        return options with { HeartbeatInterval = interval, HeartbeatTimeout = timeout };
    }

    private static (TimeSpan Interval, TimeSpan Timeout) FromEnvironment()
    {
        var network = ConfigLoader.Load(null, ConfigLoader.ProcessEnvironment(), new Dictionary<string, string>()).Network;
        return (TimeSpan.FromMilliseconds(network.HeartbeatIntervalMs), TimeSpan.FromMilliseconds(network.HeartbeatTimeoutMs));
    }
}
