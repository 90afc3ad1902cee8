using Pccl.Cli.Bench.Wan;
using Pccl.Cli.Wan;

namespace Pccl.IntegrationTests.Bench;

/// <summary>Where <c>bench wan</c> puts its peers, in which order it starts them, and the errors of bad flags.</summary>
public class WanLayoutTests
{
    [Fact]
    public void TwoByTwoIsTwoSitesOfTwoPeersWithTheirDatacentreLabels()
    {
        var layout = WanLayout.Parse("2x2");
        Assert.Equal(4, layout.Peers);
        Assert.Equal(2, layout.Sites);
        Assert.Equal([0, 0, 1, 1], Enumerable.Range(0, 4).Select(layout.SiteOf));
        Assert.Equal(["dc0", "dc0", "dc1", "dc1"], Enumerable.Range(0, 4).Select(layout.LabelOf));
    }

    [Fact]
    public void OneByTwoGivesEachPeerASiteOfItsOwnInOneRegion()
    {
        var layout = WanLayout.Parse("1x2");
        Assert.Equal(2, layout.Sites);
        Assert.Equal([0, 1], Enumerable.Range(0, 2).Select(layout.SiteOf));
        Assert.Equal(["dc0", "dc0"], Enumerable.Range(0, 2).Select(layout.LabelOf));
    }

    [Fact]
    public void AddressesMapBackToTheirSite()
    {
        var address = System.Net.IPAddress.Parse(WanLayout.AddressOf(2)).GetAddressBytes();
        Assert.Equal(2, WanLayout.SiteOfAddress(address));
        Assert.Equal(-1, WanLayout.SiteOfAddress([127, 0, 0, 1]));
    }

    [Theory]
    [InlineData("2x2", "alternating", "0,2,1,3")]
    [InlineData("3x2", "alternating", "0,2,4,1,3,5")]
    [InlineData("2x4", "grouped", "0,1,2,3,4,5,6,7")]
    public void JoinOrderAlternatesBetweenDatacentresOrKeepsThemTogether(string regions, string order, string expected) =>
        Assert.Equal(expected, string.Join(',', JoinOrder.Of(order, WanLayout.Parse(regions))));

    [Theory]
    [InlineData("2")]
    [InlineData("2x")]
    [InlineData("0x2")]
    [InlineData("ax2")]
    [InlineData("1x1")]
    [InlineData("8x8")]
    public void BadRegionsAreRefusedNamingTheFlag(string text)
    {
        var e = Assert.Throws<PcclException>(() => WanLayout.Parse(text));
        Assert.Equal(PcclErrorCode.InvalidArgument, e.Code);
        Assert.Contains("--regions", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AnUnknownJoinOrderIsRefusedNamingTheFlag() =>
        Assert.Contains("--join-order", Assert.Throws<PcclException>(() => JoinOrder.Of("random", WanLayout.Parse("2x2"))).Message, StringComparison.Ordinal);

    [Fact]
    public void APathShapeOutOfRangeIsRefusedNamingTheFlag()
    {
        Assert.Contains("--rate-mbit", Assert.Throws<PcclException>(() => new PathShape { RateMbit = -1 }.Validated()).Message, StringComparison.Ordinal);
        Assert.Contains("--loss", Assert.Throws<PcclException>(() => new PathShape { Loss = 1 }.Validated()).Message, StringComparison.Ordinal);
        Assert.Contains("--rtt-ms", Assert.Throws<PcclException>(() => new PathShape { RttMs = double.NaN }.Validated()).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TheQueueDefaultsToOneRoundTripOfAtLeastTenMilliseconds()
    {
        Assert.Equal(TimeSpan.FromMilliseconds(100), new PathShape { RttMs = 100 }.QueueLimit);
        Assert.Equal(TimeSpan.FromMilliseconds(10), new PathShape { RttMs = 2 }.QueueLimit);
        Assert.Equal(TimeSpan.FromMilliseconds(30), new PathShape { RttMs = 100, QueueMs = 30 }.QueueLimit);
        Assert.Equal(TimeSpan.FromMilliseconds(50), new PathShape { RttMs = 100 }.OneWayDelay);
    }
}
