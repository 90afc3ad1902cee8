using System.Globalization;

namespace Pccl.IntegrationTests.Support;

/// <summary>
/// Two network namespaces made for one test, "master" and "peer", joined by a veth pair (10.213.N.1 and 10.213.N.2/24),
/// each with its own loopback, so a test can shape, drop and block traffic between a master and a peer without
/// touching the host's network. Disposing deletes both namespaces, and the veth pair with them. Needs root.
/// </summary>
internal sealed class NetworkNamespacePair : IDisposable
{
    private static int _created;

    private readonly List<NetworkNamespace> _namespaces = [];

    private NetworkNamespacePair(int number)
    {
        var tag = $"{Environment.ProcessId % 100000}x{number}";
        Master = $"pcclm{tag}";
        Peer = $"pcclp{tag}";
        MasterLink = $"pm{tag}";
        PeerLink = $"pp{tag}";
        var subnet = (Environment.ProcessId * 7 + number) % 250;
        MasterAddress = string.Create(CultureInfo.InvariantCulture, $"10.213.{subnet}.1");
        PeerAddress = string.Create(CultureInfo.InvariantCulture, $"10.213.{subnet}.2");
    }

    public string Master { get; }

    public string Peer { get; }

    public string MasterAddress { get; }

    public string PeerAddress { get; }

    /// <summary>The master namespace's end of the veth pair.</summary>
    public string MasterLink { get; }

    /// <summary>The peer namespace's end of the veth pair.</summary>
    public string PeerLink { get; }

    public static NetworkNamespacePair Create()
    {
        var pair = new NetworkNamespacePair(Interlocked.Increment(ref _created));
        try
        {
            pair._namespaces.Add(NetworkNamespace.Create(pair.Master));
            pair._namespaces.Add(NetworkNamespace.Create(pair.Peer));
            NetworkNamespace.Run("ip", "link", "add", pair.MasterLink, "netns", pair.Master, "type", "veth", "peer", "name", pair.PeerLink, "netns", pair.Peer);
            foreach (var (ns, link, address) in new[] { (pair.Master, pair.MasterLink, pair.MasterAddress), (pair.Peer, pair.PeerLink, pair.PeerAddress) })
            {
                NetworkNamespace.Run("ip", "-n", ns, "addr", "add", $"{address}/24", "dev", link);
                NetworkNamespace.Run("ip", "-n", ns, "link", "set", link, "up");
            }
        }
        catch
        {
            pair.Dispose();
            throw;
        }

        return pair;
    }

    /// <summary>Shapes both directions of the link to <paramref name="mbit"/> Mbit/s with a token bucket (tbf).</summary>
    public void ShapeTo(int mbit)
    {
        foreach (var (ns, link) in new[] { (_namespaces[0], MasterLink), (_namespaces[1], PeerLink) })
        {
            ns.Exec("tc", "qdisc", "add", "dev", link, "root", "tbf", "rate", $"{mbit}mbit", "burst", "32kb", "latency", "100ms");
        }
    }

    /// <summary>Limits only what the peer sends to the master (a token bucket on the peer's end of the link): an upload cap.</summary>
    public void ShapeFromPeer(int mbit) =>
        _namespaces[1].Exec("tc", "qdisc", "add", "dev", PeerLink, "root", "tbf", "rate", $"{mbit}mbit", "burst", "32kb", "latency", "100ms");

    /// <summary>Drops one packet in ten at random, in each direction (an nftables input rule in both namespaces).</summary>
    public void DropOneInTen()
    {
        foreach (var ns in _namespaces)
        {
            Nft(ns, "numgen random mod 10 == 0 drop");
        }
    }

    /// <summary>Drops every UDP datagram for <paramref name="port"/> arriving in the master's namespace, as a firewall would.</summary>
    public void BlockUdpToMaster(int port) => Nft(_namespaces[0], $"udp dport {port} drop");

    private static void Nft(NetworkNamespace ns, string rule)
    {
        ns.Exec("nft", "add table inet pccltest".Split(' '));
        ns.Exec("nft", "add chain inet pccltest input { type filter hook input priority 0 ; }".Split(' '));
        ns.Exec("nft", ["add", "rule", "inet", "pccltest", "input", .. rule.Split(' ')]);
    }

    public void Dispose()
    {
        foreach (var ns in Enumerable.Reverse(_namespaces))
        {
            ns.Dispose();
        }
    }
}
