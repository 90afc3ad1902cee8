using System.Globalization;

namespace Pccl.Cli.Recovery;

/// <summary>
/// A process's resident memory and how much of it is in transparent huge pages (<c>/proc/[pid]/smaps_rollup</c>): the
/// kernel frees 2 MiB pages far faster than as many 4 KiB ones, so the teardown floor depends on both.
/// </summary>
internal readonly record struct VictimMemory(double ResidentMb, double HugePageMb)
{
    public static VictimMemory Of(int pid)
    {
        double rss = 0, huge = 0;
        foreach (var line in File.ReadLines($"/proc/{pid}/smaps_rollup"))
        {
            if (line.StartsWith("Rss:", StringComparison.Ordinal))
            {
                rss = Kilobytes(line) / 1024;
            }
            else if (line.StartsWith("AnonHugePages:", StringComparison.Ordinal))
            {
                huge = Kilobytes(line) / 1024;
            }
        }

        return new VictimMemory(rss, huge);
    }

    private static double Kilobytes(string line) =>
        double.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture);
}
