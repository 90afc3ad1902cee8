using Pccl.Cli.Processes;

namespace Pccl.IntegrationTests.Support;

/// <summary>
/// Ports for the processes a test starts, from blocks below the kernel's ephemeral range (32768-60999): the OS hands out
/// no port there for port 0, so no process, probe or outgoing connection of a parallel test takes one between the test
/// naming it and the process binding it, as it may take a port probed free in the ephemeral range. p2p ranges come from
/// 10000-24999, single ports (masters, metrics endpoints) from 25000-27999, each free for TCP and UDP when given.
/// </summary>
internal static class FreePort
{
    private const int FirstRangePort = 10_000;
    private const int RangePorts = 15_000;
    private const int FirstSinglePort = 25_000;
    private const int SinglePorts = 3_000;

    // runs of other checkouts on this machine start elsewhere in each block
    private static int _nextRange = Environment.ProcessId % 50 * 300;
    private static int _nextSingle = Environment.ProcessId % SinglePorts;

    /// <summary>A port free for TCP and UDP on loopback now, which no other test of this run is given while the block lasts.</summary>
    public static int Tcp() => LoopbackPorts.NextFreeInBlock(FirstSinglePort, SinglePorts, ref _nextSingle);

    /// <summary>A range of <paramref name="size"/> ports no other test of this run gets until the block wraps around.</summary>
    public static string P2PRange(int size = 16)
    {
        var offset = (Interlocked.Add(ref _nextRange, size) - size) % RangePorts;
        var first = FirstRangePort + (offset + size > RangePorts ? 0 : offset); // a range never runs into the single ports
        return $"{first}-{first + size - 1}";
    }
}
