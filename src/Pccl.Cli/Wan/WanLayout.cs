using System.Globalization;

namespace Pccl.Cli.Wan;

/// <summary>
/// Where the peers of an emulated wide-area run live: <c>--regions AxB</c> is A datacentres (labelled dc0, dc1, ...)
/// of B peers each. Each datacentre is one site, a network namespace whose peers share one address and reach each
/// other over its loopback; the sites are joined by the emulated paths. With one datacentre (<c>1xB</c>) every peer is
/// a site of its own, all labelled dc0: the path runs between the peers themselves.
/// </summary>
internal sealed record WanLayout(int Regions, int PeersPerRegion)
{
    /// <summary>Sites get 10.77.S.1; the addresses live in the run's own namespaces, so runs never collide.</summary>
    private const string AddressPrefix = "10.77.";

    private const int MostPeers = 32;

    public int Peers => Regions * PeersPerRegion;

    public int Sites => Regions == 1 ? PeersPerRegion : Regions;

    public string Text => string.Create(CultureInfo.InvariantCulture, $"{Regions}x{PeersPerRegion}");

    /// <summary>Peer k (0-based) belongs to region k / B.</summary>
    public int RegionOf(int peer) => peer / PeersPerRegion;

    public int SiteOf(int peer) => Regions == 1 ? peer : RegionOf(peer);

    public string LabelOf(int peer) => RegionLabel(RegionOf(peer));

    public static string RegionLabel(int region) => string.Create(CultureInfo.InvariantCulture, $"dc{region}");

    public static string AddressOf(int site) => string.Create(CultureInfo.InvariantCulture, $"{AddressPrefix}{site}.1");

    /// <summary>The site an IPv4 address of this scheme belongs to, or -1.</summary>
    public static int SiteOfAddress(ReadOnlySpan<byte> address) => address[0] == 10 && address[1] == 77 ? address[2] : -1;

    /// <exception cref="PcclException">Not of the form AxB, or out of range.</exception>
    public static WanLayout Parse(string text)
    {
        var parts = text.Split('x', 'X');
        if (parts.Length != 2 || !int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var regions)
            || !int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var peers) || regions < 1 || peers < 1)
        {
            throw new PcclException(PcclErrorCode.InvalidArgument,
                $"--regions must be AxB (A datacentres of B peers, e.g. 2x2 or 1x2), not '{text}'");
        }

        var layout = new WanLayout(regions, peers);
        if (layout.Peers is < 2 or > MostPeers)
        {
            throw new PcclException(PcclErrorCode.InvalidArgument,
                $"--regions {text} makes {layout.Peers} peers; the WAN bench runs 2 to {MostPeers}");
        }

        return layout;
    }
}
