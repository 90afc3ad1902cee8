using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging.Abstractions;
using Pccl.Transport;
using Pccl.Transport.Identity;

namespace Pccl.Tests.Transport;

/// <summary>Ports here sit below Linux's ephemeral range (32768+), so no outgoing connection can hold one by chance.</summary>
public class P2PPortTests
{
    private static readonly P2PGatekeeper Gatekeeper = new(() => 0, new MemberDirectory(), TimeSpan.Zero);

    [Fact]
    public async Task TheFirstFreePortOfTheRangeWins()
    {
        using var taken = Occupy(31901);
        await using var listener = P2PListener.Start("127.0.0.1", new PortRange(31901, 31903), "pccl", ConnectionSecurity.None, TimeSpan.FromSeconds(1), _ => ValueTask.CompletedTask, Gatekeeper, NullLogger.Instance);
        Assert.Equal(31902, listener.Port);
    }

    [Fact]
    public async Task TwoListenersOnOneRangeTakeTwoPorts()
    {
        await using var first = P2PListener.Start("127.0.0.1", new PortRange(31931, 31933), "pccl", ConnectionSecurity.None, TimeSpan.FromSeconds(1), _ => ValueTask.CompletedTask, Gatekeeper, NullLogger.Instance);
        await using var second = P2PListener.Start("127.0.0.1", new PortRange(31931, 31933), "pccl", ConnectionSecurity.None, TimeSpan.FromSeconds(1), _ => ValueTask.CompletedTask, Gatekeeper, NullLogger.Instance);
        Assert.Equal(31931, first.Port);
        Assert.Equal(31932, second.Port);
    }

    [Fact]
    public void AFullRangeIsAClearError()
    {
        using var a = Occupy(31911);
        using var b = Occupy(31912);
        var e = Assert.Throws<PcclException>(() => P2PListener.Start("127.0.0.1", new PortRange(31911, 31912), "pccl", ConnectionSecurity.None, TimeSpan.FromSeconds(1), _ => ValueTask.CompletedTask, Gatekeeper, NullLogger.Instance));
        Assert.Equal(PcclErrorCode.PortRangeExhausted, e.Code);
        Assert.Contains("31911-31912", e.Message, StringComparison.Ordinal);
        Assert.Contains("network.p2p_port_range", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ConnectingWithAFullRangeFailsBeforeTouchingTheMaster()
    {
        var ct = TestContext.Current.CancellationToken;
        using var a = Occupy(31921);
        var e = await Assert.ThrowsAsync<PcclException>(() => Communicator.ConnectAsync(
            CommunicatorOptions.Default with { MasterPort = 1, P2PBindAddress = "127.0.0.1", P2PPorts = new PortRange(31921, 31921) }, ct: ct));
        Assert.Equal(PcclErrorCode.PortRangeExhausted, e.Code);
    }

    private static Socket Occupy(int port)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        socket.Bind(new IPEndPoint(IPAddress.Loopback, port));
        socket.Listen();
        return socket;
    }
}
