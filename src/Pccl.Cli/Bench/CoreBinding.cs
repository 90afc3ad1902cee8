using System.Diagnostics;

namespace Pccl.Cli.Bench;

/// <summary>
/// Which core each benchmark worker runs on. <c>auto</c> follows <c>mpirun</c>'s default: one worker per core for
/// one or two workers (when the cores allow), no binding to single cores above that. Unbound 2-peer runs were slower
/// in A/B runs (docs/performance.md, "Settings the figures depend on"); the likely cause is the scheduler waking a
/// loopback receiver on its sender's core while the other core idles.
/// </summary>
internal sealed record CoreBinding(string Mode)
{
    public static readonly string[] Modes = ["auto", "core", "none"];

    public bool Binds(int workers) => Mode switch
    {
        "core" => true,
        "none" => false,
        "auto" => workers <= 2 && workers <= AllowedCpus().Count,
        _ => throw new ArgumentException($"--bind-to {Mode}: use one of {string.Join(", ", Modes)}"),
    };

    /// <summary>Binds worker <paramref name="index"/> to the index-th CPU this process may use (round robin) when <see cref="Binds"/> says so.</summary>
    /// <remarks>Called right after the worker starts, before its runtime makes its other threads, which inherit the mask.</remarks>
    public void Apply(Process worker, int index, int workers)
    {
        if (!Binds(workers) || !(OperatingSystem.IsLinux() || OperatingSystem.IsWindows()))
        {
            return;
        }

        var cpus = AllowedCpus();
        worker.ProcessorAffinity = (nint)(1L << cpus[index % cpus.Count]);
    }

    /// <summary>The CPUs this process may run on (a cpuset or taskset may leave out CPU 0 and others).</summary>
    private static List<int> AllowedCpus()
    {
        if (!(OperatingSystem.IsLinux() || OperatingSystem.IsWindows()))
        {
            return [.. Enumerable.Range(0, Environment.ProcessorCount)];
        }

        var mask = (long)Process.GetCurrentProcess().ProcessorAffinity;
        return [.. Enumerable.Range(0, 63).Where(cpu => (mask & (1L << cpu)) != 0)];
    }
}
