using System.Globalization;

namespace Pccl.Cli.Bench.Memory;

/// <summary>
/// A process's memory as Linux reports it: resident (VmRSS) and its peak (VmHWM) from <c>/proc/[pid]/status</c>; from
/// <c>/proc/[pid]/smaps_rollup</c> the proportional share (Pss: pages shared with other processes, such as the
/// runtime's libraries, count divided among them) and the anonymous memory on transparent huge pages.
/// </summary>
internal readonly record struct ProcessMemory(double RssMb, double PeakRssMb, double PssMb, double HugePagesMb)
{
    public static ProcessMemory Read(int pid)
    {
        var status = Fields($"/proc/{pid}/status");
        var rollup = Fields($"/proc/{pid}/smaps_rollup");
        return new ProcessMemory(status.GetValueOrDefault("VmRSS"), status.GetValueOrDefault("VmHWM"), rollup.GetValueOrDefault("Pss"),
            rollup.GetValueOrDefault("AnonHugePages"));
    }

    /// <summary>The <c>Name: N kB</c> lines of a proc file, in megabytes.</summary>
    private static Dictionary<string, double> Fields(string path)
    {
        var fields = new Dictionary<string, double>();
        foreach (var line in File.ReadLines(path))
        {
            var parts = line.Split([':', ' ', '\t'], StringSplitOptions.RemoveEmptyEntries);
            if (parts.Length == 3 && parts[2] == "kB" && double.TryParse(parts[1], NumberStyles.Float, CultureInfo.InvariantCulture, out var kb))
            {
                fields.TryAdd(parts[0], kb / 1024);
            }
        }

        return fields;
    }
}
