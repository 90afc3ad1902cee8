using Pccl.Cli.Processes;

namespace Pccl.Tests.Support;

/// <summary>
/// Ports a test names before it binds them (the next leader of a failover test, a master that must leave its port free),
/// from a block below the kernel's ephemeral range (32768-60999) that no test's p2p range covers. The OS hands out no
/// port there for port 0, so no master, probe or outgoing connection of a parallel test takes one between the test
/// naming it and binding it, as it may take a port probed free in the ephemeral range. Each is free for TCP and UDP when given.
/// </summary>
internal static class ReservedPorts
{
    private const int First = 28_000;
    private const int Count = 3_800;
    // test runs of other checkouts on this machine start elsewhere in the block
    private static int _next = Environment.ProcessId % Count;

    public static int Next() => LoopbackPorts.NextFreeInBlock(First, Count, ref _next);
}
