using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging.Abstractions;
using Pccl.Operations.Session;
using Pccl.Transport;

namespace Pccl.Tests.Failover;

/// <summary>A master nobody answers at is reported with both likely causes: a closed port, and a DNS name or IP address that changed.</summary>
public sealed class UnreachableMasterTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task An_unreachable_master_names_the_ports_and_a_changed_dns_name_or_ip()
    {
        var closed = ClosedPort();

        var e = await DialAsync(new MasterEndpoint("127.0.0.1", closed));

        Assert.Equal(PcclErrorCode.ConnectionRefused, e.Code);
        Assert.True(e.IsTransient);
        Assert.StartsWith($"cannot connect to 127.0.0.1:{closed}: ConnectionRefused", e.Message, StringComparison.Ordinal);
        Assert.Contains("check ports 7117-7150", e.Message, StringComparison.Ordinal);
        Assert.Contains("if its DNS name or IP address changed, use a stable DNS name or a static IP", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_list_of_unreachable_masters_names_every_one_and_the_same_advice()
    {
        var (first, second) = (ClosedPort(), ClosedPort());

        var e = await DialAsync(new MasterEndpoint("127.0.0.1", first), new MasterEndpoint("127.0.0.1", second));

        Assert.Equal(PcclErrorCode.ConnectionRefused, e.Code);
        Assert.True(e.IsTransient);
        Assert.StartsWith($"no master in network.master_host (127.0.0.1:{first}, 127.0.0.1:{second}) could be reached: 127.0.0.1:{first}: cannot connect to 127.0.0.1:{first}",
            e.Message, StringComparison.Ordinal);
        Assert.Contains($"; 127.0.0.1:{second}: cannot connect to 127.0.0.1:{second}", e.Message, StringComparison.Ordinal);
        Assert.Contains("check ports 7117-7150", e.Message, StringComparison.Ordinal);
        Assert.Contains("use a stable DNS name or a static IP", e.Message, StringComparison.Ordinal);
    }

    private static async Task<PcclException> DialAsync(params MasterEndpoint[] masters)
    {
        var ct = TestContext.Current.CancellationToken;
        var options = CommunicatorOptions.Default with { MasterEndpoints = masters, ConnectTimeout = TimeSpan.FromSeconds(5) };
        using var security = SecurityFactory.Create(options.Tls, options.Auth);
        return await Assert.ThrowsAsync<PcclException>(() => new MasterDialer(options, security, new EpochFence(), NullLogger.Instance).ConnectAsync(ct).WaitAsync(Patience, ct));
    }

    /// <summary>A loopback port that was free a moment ago and has no listener.</summary>
    private static int ClosedPort()
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)socket.LocalEndPoint!).Port;
    }
}
