using System.Diagnostics;

namespace Pccl.IntegrationTests.Support;

/// <summary>
/// Network namespaces with NAT between the workers and the master, as behind a cloud NAT gateway or a Kubernetes
/// node's SNAT: the master sits alone on <see cref="MasterAddress"/>; each worker has a subnet of its own behind a
/// router namespace that forwards between the workers' subnets unchanged and masquerades whatever leaves towards the
/// master, so the master sees every worker as <see cref="RouterAddress"/> and cannot reach a worker's own address.
/// Everything lives in namespaces this class creates (the host's network is never touched) and is deleted on dispose.
/// </summary>
internal sealed class NatTopology : IDisposable
{
    public const string MasterAddress = "10.77.0.1";
    public const string RouterAddress = "10.77.0.254";

    private readonly string _prefix;
    private readonly List<string> _namespaces = [];

    private NatTopology(string prefix) => _prefix = prefix;

    public string MasterNamespace => _prefix + "-m";

    public string WorkerNamespace(int index) => $"{_prefix}-w{index}";

    /// <summary>The address worker <paramref name="index"/> (1-based) has in its own subnet.</summary>
    public static string WorkerAddress(int index) => $"10.77.{index}.1";

    public static NatTopology Create(int workers)
    {
        // Namespace and interface names are host-wide: a per-process tag keeps parallel runs apart (15-character limit).
        var tag = $"{Environment.ProcessId % 0xFFFF:x4}{Random.Shared.Next(0x100):x2}";
        var topology = new NatTopology("pccl" + tag);
        try
        {
            topology.Build(tag, workers);
            return topology;
        }
        catch
        {
            topology.Dispose();
            throw;
        }
    }

    private void Build(string tag, int workers)
    {
        var router = _prefix + "-r";
        foreach (var ns in (string[])[MasterNamespace, router, .. Enumerable.Range(1, workers).Select(WorkerNamespace)])
        {
            Run("ip", "netns", "add", ns);
            _namespaces.Add(ns);
            Run("ip", "-n", ns, "link", "set", "lo", "up");
        }

        Link(tag + "m", MasterNamespace, $"{MasterAddress}/24", router, $"{RouterAddress}/24");
        for (var i = 1; i <= workers; i++)
        {
            Link($"{tag}w{i}", WorkerNamespace(i), $"{WorkerAddress(i)}/24", router, $"10.77.{i}.254/24");
            Run("ip", "-n", WorkerNamespace(i), "route", "add", "default", "via", $"10.77.{i}.254");
        }

        Run("ip", "netns", "exec", router, "sysctl", "-qw", "net.ipv4.ip_forward=1");
        Nft(router, "add table ip nat");
        Nft(router, "add chain ip nat postrouting { type nat hook postrouting priority 100 ; }");
        Nft(router, $"add rule ip nat postrouting oifname \"{tag}m1\" masquerade");
    }

    /// <summary>A veth pair, end 0 in <paramref name="a"/> and end 1 in <paramref name="b"/>, both up and addressed.</summary>
    private static void Link(string name, string a, string addressA, string b, string addressB)
    {
        Run("ip", "link", "add", name + "0", "netns", a, "type", "veth", "peer", "name", name + "1", "netns", b);
        Run("ip", "-n", a, "addr", "add", addressA, "dev", name + "0");
        Run("ip", "-n", b, "addr", "add", addressB, "dev", name + "1");
        Run("ip", "-n", a, "link", "set", name + "0", "up");
        Run("ip", "-n", b, "link", "set", name + "1", "up");
    }

    private static void Nft(string ns, string command) => Run("ip", ["netns", "exec", ns, "nft", .. command.Split(' ')]);

    private static void Run(string file, params string[] arguments)
    {
        var info = new ProcessStartInfo(file) { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var a in arguments)
        {
            info.ArgumentList.Add(a);
        }

        using var process = Process.Start(info)!;
        var error = process.StandardError.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException(
                $"'{file} {string.Join(' ', arguments)}' exited {process.ExitCode}: {error.Trim()} " +
                "(the NAT tests need root, iproute2 and nftables: scripts/ensure-test-deps.sh installs them)");
        }
    }

    public void Dispose()
    {
        // Deleting a namespace removes its veth ends (and so their peers) and its nft rules.
        foreach (var ns in Enumerable.Reverse(_namespaces))
        {
            try
            {
                Run("ip", "netns", "delete", ns);
            }
            catch (InvalidOperationException)
            {
            }
        }
    }
}
