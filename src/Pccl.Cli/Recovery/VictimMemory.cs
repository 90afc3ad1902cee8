using Pccl.Cli.Processes;

namespace Pccl.Cli.Recovery;

/// <summary>
/// A process's resident memory and how much of it is in transparent huge pages (<c>/proc/[pid]/smaps_rollup</c>): the
/// kernel frees 2 MiB pages far faster than as many 4 KiB ones, so the teardown floor depends on both.
/// </summary>
internal readonly record struct VictimMemory(double ResidentMb, double HugePageMb)
{
    public static VictimMemory Of(int pid)
    {
        var mb = ProcMegabytes.Read($"/proc/{pid}/smaps_rollup", "Rss:", "AnonHugePages:");
        return new VictimMemory(mb[0], mb[1]);
    }
}
