using System.Diagnostics;

namespace Pccl.IntegrationTests.Support;

/// <summary>
/// A network namespace this test made (loopback up), deleted on dispose: a host of its own, whose ports no other test
/// and no other process on this machine can take.
/// </summary>
internal sealed class NetworkNamespace : IDisposable
{
    private NetworkNamespace(string name) => Name = name;

    public string Name { get; }

    /// <summary>A short tag unique to this test process, for names that are host-wide (interfaces: 15 characters at most).</summary>
    public static string NewTag() => $"{Environment.ProcessId % 0xFFFF:x4}{Random.Shared.Next(0x100):x2}";

    public static NetworkNamespace Create(string name)
    {
        Run("ip", "netns", "add", name);
        var created = new NetworkNamespace(name);
        try
        {
            Run("ip", "-n", name, "link", "set", "lo", "up");
            return created;
        }
        catch
        {
            created.Dispose();
            throw;
        }
    }

    /// <summary>Runs <paramref name="file"/> inside this namespace and returns its standard output.</summary>
    public string Exec(string file, params string[] arguments) => Run("ip", ["netns", "exec", Name, file, .. arguments]);

    public static string Run(string file, params string[] arguments)
    {
        var info = new ProcessStartInfo(file) { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var a in arguments)
        {
            info.ArgumentList.Add(a);
        }

        using var process = Process.Start(info)!;
        var stderr = process.StandardError.ReadToEndAsync();
        var stdout = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException(
                $"'{file} {string.Join(' ', arguments)}' exited {process.ExitCode}: {stderr.Result.Trim()} " +
                "(network namespace tests need root, iproute2 and nftables: scripts/ensure-test-deps.sh installs them)");
        }

        return stdout;
    }

    /// <summary>A veth pair, end 0 in namespace <paramref name="a"/> and end 1 in <paramref name="b"/>, both up and addressed.</summary>
    public static void Veth(string name, string a, string addressA, string b, string addressB)
    {
        Run("ip", "link", "add", name + "0", "netns", a, "type", "veth", "peer", "name", name + "1", "netns", b);
        Run("ip", "-n", a, "addr", "add", addressA, "dev", name + "0");
        Run("ip", "-n", b, "addr", "add", addressB, "dev", name + "1");
        Run("ip", "-n", a, "link", "set", name + "0", "up");
        Run("ip", "-n", b, "link", "set", name + "1", "up");
    }

    /// <summary>Deleting a namespace removes its interfaces (and so their veth peers) and its nft rules.</summary>
    public void Dispose() => Run("ip", "netns", "delete", Name);
}
