using Pccl.Tests.Transport.Support;
using Pccl.Transport;

namespace Pccl.Tests.Transport;

/// <summary>Which congestion control a connection runs, as the kernel reports it, and which ones pace by themselves.</summary>
public class CongestionControlTests
{
    [Fact]
    public async Task AConnectionRunsTheHostsDefaultCongestionControl()
    {
        using var pair = await SocketPair.ConnectAsync(TestContext.Current.CancellationToken);
        var expected = File.ReadAllText("/proc/sys/net/ipv4/tcp_congestion_control").Trim();
        Assert.Equal(expected, CongestionControl.Name(pair.Local));
        await using var connection = pair.Connection();
        Assert.Equal(expected, connection.CongestionControl);
    }

    [Fact]
    public async Task AConnectionSwitchedToRenoSaysReno()
    {
        using var pair = await SocketPair.ConnectAsync(TestContext.Current.CancellationToken);
        pair.Remote.SetRawSocketOption(6, 13, "reno"u8); // IPPROTO_TCP, TCP_CONGESTION: reno is always allowed
        Assert.Equal("reno", CongestionControl.Name(pair.Remote));
    }

    [Theory]
    [InlineData("bbr", true)]
    [InlineData("bbr2", true)]
    [InlineData("cubic", false)]
    [InlineData("reno", false)]
    [InlineData(null, false)]
    public void OnlyAModelBasedControlPacesByItself(string? name, bool pacesItself) =>
        Assert.Equal(pacesItself, CongestionControl.PacesToItsModel(name));
}
