namespace Pccl.IntegrationTests.Support;

/// <summary>
/// Two "datacentres" in network namespaces: each peer has a namespace of its own, linked to its datacentre's router
/// namespace; the two routers are joined by one veth pair shaped with <c>tbf</c> in both directions, the slow path all
/// inter-datacentre traffic shares. The master runs in router A's namespace at <see cref="MasterAddress"/>. Everything
/// lives in namespaces this class creates and is deleted on dispose (veth ends go with their namespaces).
/// </summary>
internal sealed class TwoDatacentres : IDisposable
{
    public const string MasterAddress = "10.78.100.1";

    private readonly string _prefix;
    private readonly List<NetworkNamespace> _namespaces = [];

    private TwoDatacentres(string prefix) => _prefix = prefix;

    public string RouterNamespace(char datacentre) => $"{_prefix}-r{datacentre}";

    public string PeerNamespace(int index) => $"{_prefix}-p{index}";

    /// <summary>The address of peer <paramref name="index"/> (1-based).</summary>
    public static string PeerAddress(int index) => $"10.78.{index}.1";

    /// <summary>Peers 1..n, in the datacentres <paramref name="datacentres"/> names ('a' or 'b', one per peer); the path between them limited to <paramref name="rateMbit"/>.</summary>
    public static TwoDatacentres Create(string datacentres, int rateMbit)
    {
        var tag = NetworkNamespace.NewTag();
        var network = new TwoDatacentres("pccl" + tag);
        try
        {
            network.Build(tag, datacentres, rateMbit);
            return network;
        }
        catch
        {
            network.Dispose();
            throw;
        }
    }

    public NetworkNamespace Namespace(string name) => _namespaces.Single(n => n.Name == name);

    private void Build(string tag, string datacentres, int rateMbit)
    {
        foreach (var ns in (string[])[RouterNamespace('a'), RouterNamespace('b'), .. Enumerable.Range(1, datacentres.Length).Select(PeerNamespace)])
        {
            _namespaces.Add(NetworkNamespace.Create(ns));
        }

        NetworkNamespace.Veth($"{tag}x", RouterNamespace('a'), $"{MasterAddress}/24", RouterNamespace('b'), "10.78.100.2/24");
        foreach (var (end, router) in new[] { ("0", 'a'), ("1", 'b') })
        {
            NetworkNamespace.Run("tc", "-n", RouterNamespace(router), "qdisc", "add", "dev", $"{tag}x{end}", "root", "tbf",
                "rate", $"{rateMbit}mbit", "burst", "32kb", "latency", "50ms");
            Namespace(RouterNamespace(router)).Exec("sysctl", "-qw", "net.ipv4.ip_forward=1");
        }

        for (var i = 1; i <= datacentres.Length; i++)
        {
            var here = datacentres[i - 1];
            var other = here == 'a' ? 'b' : 'a';
            NetworkNamespace.Veth($"{tag}p{i}", PeerNamespace(i), $"{PeerAddress(i)}/24", RouterNamespace(here), $"10.78.{i}.254/24");
            Ip("-n", PeerNamespace(i), "route", "add", "default", "via", $"10.78.{i}.254");
            Ip("-n", RouterNamespace(other), "route", "add", $"10.78.{i}.0/24", "via", here == 'a' ? MasterAddress : "10.78.100.2");
        }
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
