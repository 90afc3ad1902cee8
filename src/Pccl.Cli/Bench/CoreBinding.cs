using System.Diagnostics;

namespace Pccl.Cli.Bench;

/// <summary>
/// Which core each benchmark worker runs on. <c>auto</c> does what <c>mpirun</c> does by default: one worker per core
/// while there are at least as many cores as workers, no binding when they would share. Unbound 2-peer runs were
/// 20–25 % slower at 16 MiB on the 2-core VM (A/B, docs/performance.md); the likely cause is the scheduler waking a
/// loopback receiver on its sender's core while the other core idles.
/// </summary>
internal sealed record CoreBinding(string Mode)
{
    public static readonly string[] Modes = ["auto", "core", "none"];

    public bool Binds(int workers) => Mode switch
    {
        "core" => true,
        "none" => false,
        _ => workers <= Environment.ProcessorCount,
    };

    /// <summary>Binds worker <paramref name="index"/> to core <c>index mod cores</c> when <see cref="Binds"/> says so.</summary>
    public void Apply(Process worker, int index, int workers)
    {
        if (!Binds(workers) || !(OperatingSystem.IsLinux() || OperatingSystem.IsWindows()))
        {
            return;
        }

        worker.ProcessorAffinity = (nint)(1L << (index % Math.Min(Environment.ProcessorCount, 63)));
    }
}
