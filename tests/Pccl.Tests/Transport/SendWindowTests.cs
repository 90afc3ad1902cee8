using System.Net.Sockets;
using Pccl.Tests.Transport.Support;
using Pccl.Transport;

namespace Pccl.Tests.Transport;

/// <summary>A connection's send window bounded through its send buffer, and given back, over real loopback TCP.</summary>
public class SendWindowTests
{
    [Fact]
    public async Task ABoundedConnectionsKernelBufferHoldsTheBoundAndTheUsualBufferComesBack()
    {
        var ct = TestContext.Current.CancellationToken;
        using var pair = await SocketPair.ConnectAsync(ct);
        await using var connection = pair.Connection();
        using var usual = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        SocketTuning.Apply(usual);

        connection.BoundSendWindow(400_000);
        Assert.Equal(400_000, pair.Local.SendBufferSize); // the kernel doubles the half it was given

        connection.BoundSendWindow(1000);
        Assert.Equal(SendWindow.MinBytes, pair.Local.SendBufferSize);

        connection.BoundSendWindow(null);
        Assert.Equal(usual.SendBufferSize, pair.Local.SendBufferSize);
    }

    [Fact]
    public async Task ABrokenConnectionIsLeftAloneWithoutAnError()
    {
        var ct = TestContext.Current.CancellationToken;
        using var pair = await SocketPair.ConnectAsync(ct);
        var connection = pair.Connection();
        connection.Abort("gone");

        connection.BoundSendWindow(400_000);
        connection.BoundSendWindow(null);
    }
}
