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
    private readonly List<NetworkNamespace> _namespaces = [];

    private NatTopology(string prefix) => _prefix = prefix;

    public string MasterNamespace => _prefix + "-m";

    public string WorkerNamespace(int index) => $"{_prefix}-w{index}";

    /// <summary>The address worker <paramref name="index"/> (1-based) has in its own subnet.</summary>
    public static string WorkerAddress(int index) => $"10.77.{index}.1";

    public static NatTopology Create(int workers)
    {
        var tag = NetworkNamespace.NewTag();
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
            _namespaces.Add(NetworkNamespace.Create(ns));
        }

        NetworkNamespace.Veth(tag + "m", MasterNamespace, $"{MasterAddress}/24", router, $"{RouterAddress}/24");
        for (var i = 1; i <= workers; i++)
        {
            NetworkNamespace.Veth($"{tag}w{i}", WorkerNamespace(i), $"{WorkerAddress(i)}/24", router, $"10.77.{i}.254/24");
            Ip("-n", WorkerNamespace(i), "route", "add", "default", "via", $"10.77.{i}.254");
        }

        var routerNs = _namespaces[1];
        routerNs.Exec("sysctl", "-qw", "net.ipv4.ip_forward=1");
        routerNs.Exec("nft", "add table ip nat".Split(' '));
        routerNs.Exec("nft", "add chain ip nat postrouting { type nat hook postrouting priority 100 ; }".Split(' '));
        routerNs.Exec("nft", "add", "rule", "ip", "nat", "postrouting", "oifname", $"\"{tag}m1\"", "masquerade");
    }

    private static void Ip(params string[] arguments) => NetworkNamespace.Run("ip", arguments);

    public void Dispose()
    {
        foreach (var ns in Enumerable.Reverse(_namespaces))
        {
            ns.Dispose();
        }
    }
}
