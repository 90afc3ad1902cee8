using System.Net;
using System.Net.Sockets;
using Pccl.Transport;

namespace Pccl.Tests.Transport;

/// <summary>What the kernel reports of a real connection's path: its smoothed and its least round trip.</summary>
public sealed class TcpPathTests
{
    [Fact]
    public async Task A_loopback_connection_reports_both_round_trips_and_that_it_stays_on_this_host()
    {
        var ct = TestContext.Current.CancellationToken;
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen();
        using var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await client.ConnectAsync(listener.LocalEndPoint!, ct);
        using var server = await listener.AcceptAsync(ct);
        var buffer = new byte[64 * 1024];
        for (var i = 0; i < 20; i++)
        {
            await client.SendAsync(buffer, ct);
            var received = 0;
            while (received < buffer.Length)
            {
                received += await server.ReceiveAsync(buffer.AsMemory(received), ct);
            }
        }

        var path = TcpPath.Of(client, (IPEndPoint)client.RemoteEndPoint!);

        Assert.True(path.Loopback);
        Assert.NotNull(path.RoundTrip);
        Assert.NotNull(path.MinRoundTrip);
        Assert.InRange(path.MinRoundTrip!.Value, TimeSpan.FromTicks(1), TimeSpan.FromSeconds(1));
        // the least sample cannot exceed the smoothed round trip by more than the kernel's rounding of the average
        Assert.True(path.MinRoundTrip <= path.RoundTrip + TimeSpan.FromMilliseconds(1), $"min {path.MinRoundTrip}, smoothed {path.RoundTrip}");
    }
}
