using System.Globalization;

namespace Pccl.Cli.Wan;

/// <summary>
/// Removes what runs of the WAN emulator left behind when they were killed before their own teardown: every namespace
/// named <c>pwan{PID}x...</c> whose process is gone loses its processes (the forwarder, master and peers all run inside
/// the run's namespaces) and is deleted; its TUN devices die with the forwarder. Runs of live processes are untouched.
/// </summary>
internal static class WanLeftovers
{
    public const string Prefix = "pwan";

    /// <summary>The names removed.</summary>
    public static IReadOnlyList<string> Remove()
    {
        var removed = new List<string>();
        foreach (var name in Namespaces().Where(n => OwnerOf(n) is { } owner && !Directory.Exists($"/proc/{owner}")))
        {
            WanNetwork.Delete(name);
            removed.Add(name);
        }

        foreach (var counters in Directory.EnumerateFiles(WanNetwork.CountersDirectory, $"{Prefix}*.paths"))
        {
            if (OwnerOf(Path.GetFileNameWithoutExtension(counters)) is { } owner && !Directory.Exists($"/proc/{owner}"))
            {
                File.Delete(counters);
            }
        }

        return removed;
    }

    /// <summary>The run's namespaces of this process's runs and others', by name.</summary>
    public static IEnumerable<string> Namespaces() =>
        IpCommand.Run("netns", "list").Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(line => line.Split(' ')[0])
            .Where(name => name.StartsWith(Prefix, StringComparison.Ordinal));

    private static int? OwnerOf(string name)
    {
        var end = name.IndexOf('x', Prefix.Length);
        return end > Prefix.Length && int.TryParse(name.AsSpan(Prefix.Length, end - Prefix.Length), NumberStyles.None, CultureInfo.InvariantCulture, out var pid) ? pid : null;
    }
}
