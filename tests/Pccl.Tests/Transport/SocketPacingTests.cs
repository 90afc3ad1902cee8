using System.Diagnostics;
using System.Net;
using Pccl.Transport;
using Pccl.Tests.Transport.Support;

namespace Pccl.Tests.Transport;

/// <summary>A connection held to a pacing rate sends no faster than it, over real loopback TCP, and runs free once lifted.</summary>
public class SocketPacingTests
{
    private const long Rate = 4L << 20;
    private const int Bytes = 2 << 20;

    [Fact]
    public async Task APacedConnectionReportsItsRateAndNoneOnceLifted()
    {
        var ct = TestContext.Current.CancellationToken;
        using var pair = await SocketPair.ConnectAsync(ct);
        await using var connection = pair.Connection();
        Assert.Null(connection.PacingRate);

        Assert.True(connection.PaceTo(Rate));
        Assert.Equal(Rate, connection.PacingRate);

        Assert.True(connection.PaceTo(null));
        Assert.Null(connection.PacingRate);
    }

    [Fact]
    public async Task APacedConnectionSendsNoFasterThanItsRateAndALiftedOneRunsFree()
    {
        var ct = TestContext.Current.CancellationToken;
        using var pair = await SocketPair.ConnectAsync(ct);
        await using var connection = pair.Connection();

        connection.PaceTo(Rate);
        var paced = await SendAsync(pair, connection, ct);
        connection.PaceTo(null);
        var free = await SendAsync(pair, connection, ct);

        // 2 MiB at 4 MiB/s takes half a second; the kernel may send the first packets before the pacing clock runs
        Assert.True(paced >= TimeSpan.FromSeconds(0.4), $"2 MiB paced to 4 MiB/s arrived in {paced.TotalMilliseconds:F0} ms");
        Assert.True(free < paced / 2, $"unpaced 2 MiB took {free.TotalMilliseconds:F0} ms, paced {paced.TotalMilliseconds:F0} ms");
    }

    [Fact]
    public async Task AConnectionToAnotherHostIsPacedWithoutACeilingAndOneWithinThisHostIsLeftAlone()
    {
        var ct = TestContext.Current.CancellationToken;
        using var pair = await SocketPair.ConnectAsync(ct);

        Assert.False(SocketPacing.PaceIfLeavingHost(pair.Local, (IPEndPoint)pair.Local.RemoteEndPoint!));
        Assert.False(SocketPacing.PaceIfLeavingHost(pair.Local, new IPEndPoint(((IPEndPoint)pair.Local.LocalEndPoint!).Address, 7117)));
        Assert.False(SocketPacing.PaceIfLeavingHost(pair.Local, null));
        Assert.Null(SocketPacing.Get(pair.Local));

        // another host's address (TEST-NET-1, RFC 5737) decides it; nothing is sent there
        Assert.True(SocketPacing.PaceIfLeavingHost(pair.Local, new IPEndPoint(IPAddress.Parse("192.0.2.1"), 7117)));
        Assert.Null(SocketPacing.Get(pair.Local)); // paced at the congestion control's own rate: no ceiling is left
    }

    /// <summary>The time from the first byte written to the last one read at the other end.</summary>
    private static async Task<TimeSpan> SendAsync(SocketPair pair, EstablishedConnection connection, CancellationToken ct)
    {
        var clock = Stopwatch.StartNew();
        var write = connection.Stream.WriteAsync(new byte[Bytes], ct).AsTask();
        var received = new byte[Bytes];
        var read = 0;
        while (read < Bytes)
        {
            read += await pair.Remote.ReceiveAsync(received.AsMemory(read), ct);
        }

        await write;
        return clock.Elapsed;
    }
}
