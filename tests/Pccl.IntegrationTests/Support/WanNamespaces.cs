using System.Globalization;

namespace Pccl.IntegrationTests.Support;

/// <summary>
/// The network namespaces a <c>pccl bench wan</c> or <c>wan-check</c> process made (named <c>pwan{PID}x...</c>): a test
/// asserts that a run left none, and removes any left by a run it had to kill, with the processes inside them.
/// </summary>
internal static class WanNamespaces
{
    public static IReadOnlyList<string> Of(int pid) =>
        [.. NetworkNamespace.Run("ip", "netns", "list").Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(line => line.Split(' ')[0])
            .Where(name => name.StartsWith(string.Create(CultureInfo.InvariantCulture, $"pwan{pid}x"), StringComparison.Ordinal))];

    /// <summary>The run's path counter files (in /dev/shm).</summary>
    public static IReadOnlyList<string> CounterFilesOf(int pid) =>
        Directory.Exists("/dev/shm") ? [.. Directory.EnumerateFiles("/dev/shm", string.Create(CultureInfo.InvariantCulture, $"pwan{pid}x*"))] : [];

    /// <summary>Asserts that nothing of <paramref name="pid"/>'s runs is left: no namespace, no process, no counter file.</summary>
    public static void AssertNoneLeft(int pid)
    {
        Assert.Empty(Of(pid));
        Assert.Empty(ProcessesNaming(pid));
        Assert.Empty(CounterFilesOf(pid));
    }

    /// <summary>Processes whose command line names one of <paramref name="pid"/>'s namespaces (the forwarder names them all).</summary>
    public static IReadOnlyList<int> ProcessesNaming(int pid)
    {
        var tag = string.Create(CultureInfo.InvariantCulture, $"pwan{pid}x");
        var found = new List<int>();
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (int.TryParse(Path.GetFileName(dir), out var candidate))
            {
                try
                {
                    if (File.ReadAllText(Path.Combine(dir, "cmdline")).Contains(tag, StringComparison.Ordinal))
                    {
                        found.Add(candidate);
                    }
                }
                catch (IOException)
                {
                    // exited while listed
                }
            }
        }

        return found;
    }

    public static void RemoveAll(int pid)
    {
        foreach (var name in Of(pid))
        {
            foreach (var inside in NetworkNamespace.Run("ip", "netns", "pids", name).Split('\n', StringSplitOptions.RemoveEmptyEntries))
            {
                Pccl.Hosting.Processes.PosixSignals.Send(int.Parse(inside, CultureInfo.InvariantCulture), Pccl.Hosting.Processes.PosixSignals.Kill);
            }

            NetworkNamespace.Run("ip", "netns", "delete", name);
        }
    }
}
