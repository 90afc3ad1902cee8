using System.Globalization;

namespace Pccl.Cli.Bench.MasterScale;

/// <summary>A process's CPU time and memory as <c>/proc</c> reports them (Linux): the master's, or the fleet's own.</summary>
internal readonly record struct MasterProcessSample(TimeSpan Cpu, double RssMb, double PeakRssMb, long Timestamp)
{
    /// <summary>Clock ticks per second of <c>/proc/[pid]/stat</c>'s times (USER_HZ, 100 on Linux).</summary>
    private const double TicksPerSecond = 100;

    public static MasterProcessSample Take(int pid)
    {
        var stat = File.ReadAllText($"/proc/{pid}/stat");
        // the command name may hold spaces: the fields that matter follow its closing parenthesis (utime, stime: 14, 15)
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        var ticks = long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
        double rss = 0, peak = 0;
        foreach (var line in File.ReadLines($"/proc/{pid}/status"))
        {
            if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
            {
                rss = Kilobytes(line) / 1024;
            }
            else if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
            {
                peak = Kilobytes(line) / 1024;
            }
        }

        return new MasterProcessSample(TimeSpan.FromSeconds(ticks / TicksPerSecond), rss, peak, System.Diagnostics.Stopwatch.GetTimestamp());
    }

    /// <summary>CPU cores the master used on average since <paramref name="earlier"/>.</summary>
    public double CoresSince(MasterProcessSample earlier) =>
        (Cpu - earlier.Cpu).TotalSeconds / System.Diagnostics.Stopwatch.GetElapsedTime(earlier.Timestamp, Timestamp).TotalSeconds;

    private static double Kilobytes(string line) =>
        double.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture);
}
