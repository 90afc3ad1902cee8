using System.Net;
using System.Net.Sockets;
using Pccl.Transport;

namespace Pccl.Tests.Transport;

public class P2PPortTests
{
    [Fact]
    public async Task TheFirstFreePortOfTheRangeWins()
    {
        using var taken = Occupy(41901);
        await using var listener = P2PListener.Start("127.0.0.1", new PortRange(41901, 41903), "pccl", ConnectionSecurity.None, TimeSpan.FromSeconds(1), _ => ValueTask.CompletedTask);
        Assert.Equal(41902, listener.Port);
    }

    [Fact]
    public void AFullRangeIsAClearError()
    {
        using var a = Occupy(41911);
        using var b = Occupy(41912);
        var e = Assert.Throws<PcclException>(() => P2PListener.Start("127.0.0.1", new PortRange(41911, 41912), "pccl", ConnectionSecurity.None, TimeSpan.FromSeconds(1), _ => ValueTask.CompletedTask));
        Assert.Equal(PcclErrorCode.PortRangeExhausted, e.Code);
        Assert.Contains("41911-41912", e.Message, StringComparison.Ordinal);
        Assert.Contains("network.p2p_port_range", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ConnectingWithAFullRangeFailsBeforeTouchingTheMaster()
    {
        var ct = TestContext.Current.CancellationToken;
        using var a = Occupy(41921);
        var e = await Assert.ThrowsAsync<PcclException>(() => Communicator.ConnectAsync(
            CommunicatorOptions.Default with { MasterPort = 1, P2PBindAddress = "127.0.0.1", P2PPorts = new PortRange(41921, 41921) }, ct: ct));
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
