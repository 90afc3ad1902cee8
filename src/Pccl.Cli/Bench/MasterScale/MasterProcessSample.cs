using System.Globalization;
using Pccl.Cli.Processes;

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
        var mb = ProcMegabytes.Read($"/proc/{pid}/status", "VmRSS:", "VmHWM:");
        return new MasterProcessSample(TimeSpan.FromSeconds(ticks / TicksPerSecond), mb[0], mb[1], System.Diagnostics.Stopwatch.GetTimestamp());
    }

    /// <summary>CPU cores the master used on average since <paramref name="earlier"/>.</summary>
    public double CoresSince(MasterProcessSample earlier) =>
        (Cpu - earlier.Cpu).TotalSeconds / System.Diagnostics.Stopwatch.GetElapsedTime(earlier.Timestamp, Timestamp).TotalSeconds;
}
