using System.Globalization;

namespace Pccl.Cli.Processes;

/// <summary>Options of a benchmark's worker process: the master at "host:port", p2p on loopback, heartbeats as <see cref="LoopbackHeartbeats"/> reads them.</summary>
internal static class LoopbackWorkerOptions
{
    public static CommunicatorOptions For(string masterEndpoint)
    {
        var colon = masterEndpoint.LastIndexOf(':');
        return LoopbackHeartbeats.Apply(CommunicatorOptions.Default) with
        {
            MasterHost = masterEndpoint[..colon],
            MasterPort = int.Parse(masterEndpoint[(colon + 1)..], CultureInfo.InvariantCulture),
            P2PBindAddress = "127.0.0.1",
        };
    }
}
