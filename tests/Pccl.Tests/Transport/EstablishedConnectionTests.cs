using System.Net.Sockets;
using Pccl.Tests.Transport.Support;

namespace Pccl.Tests.Transport;

/// <summary>The probes the operations ask a connection, and its one shutdown, over real loopback TCP.</summary>
public class EstablishedConnectionTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task InputIsPendingWhileBytesWaitUnreadAndNotOnceTheyAreRead()
    {
        var ct = TestContext.Current.CancellationToken;
        using var pair = await SocketPair.ConnectAsync(ct);
        await using var connection = pair.Connection();
        Assert.False(connection.InputPending);

        await pair.Remote.SendAsync(new byte[] { 1, 2, 3 }, ct);
        await UntilAsync(() => connection.InputPending, ct);
        await connection.Stream.ReadExactlyAsync(new byte[3], ct);

        Assert.False(connection.InputPending);
    }

    [Fact]
    public async Task BehindAStreamThatBuffersInputIsNeverPendingSinceTheSocketCannotSeeWhatTheStreamHolds()
    {
        var ct = TestContext.Current.CancellationToken;
        using var pair = await SocketPair.ConnectAsync(ct);
        await using var connection = pair.Connection(new BufferedStream(new NetworkStream(pair.Local, ownsSocket: true)));

        await pair.Remote.SendAsync(new byte[] { 1, 2, 3 }, ct);
        await UntilAsync(() => pair.Local.Available == 3, ct);

        Assert.False(connection.InputPending);
    }

    [Fact]
    public async Task OnlyAPeerThatClosedCountsAsClosedNotAnIdleOneNorOneWithBytesWaiting()
    {
        var ct = TestContext.Current.CancellationToken;
        using var pair = await SocketPair.ConnectAsync(ct);
        await using var connection = pair.Connection();
        Assert.False(connection.IsClosedByPeer);

        await pair.Remote.SendAsync(new byte[] { 7 }, ct);
        await UntilAsync(() => connection.InputPending, ct);
        Assert.False(connection.IsClosedByPeer);

        await connection.Stream.ReadExactlyAsync(new byte[1], ct);
        pair.Remote.Shutdown(SocketShutdown.Both);
        await UntilAsync(() => connection.IsClosedByPeer, ct);
    }

    [Fact]
    public async Task ShutdownIsIdempotentKeepsTheFirstReasonAndEndsTheStreamForThePeer()
    {
        var ct = TestContext.Current.CancellationToken;
        using var pair = await SocketPair.ConnectAsync(ct);
        var connection = pair.Connection();
        Assert.Null(connection.ShutdownReason);

        Assert.True(connection.Shutdown("the lane was retired"));
        Assert.False(connection.Shutdown("disposed"));
        await connection.DisposeAsync();

        Assert.Equal("the lane was retired", connection.ShutdownReason);
        Assert.Equal(0, await pair.Remote.ReceiveAsync(new byte[1], ct).AsTask().WaitAsync(Patience, ct));
        Assert.True(connection.IsClosedByPeer, "a connection shut down here is closed for whoever asks");
    }

    [Fact]
    public async Task AbortEndsAWriteThePeerNeverDrains()
    {
        var ct = TestContext.Current.CancellationToken;
        using var pair = await SocketPair.ConnectAsync(ct);
        await using var connection = pair.Connection();
        var chunk = new byte[1 << 20];
        Task write;
        var written = 0;
        do
        {
            // the peer never reads: once both kernel buffers are full a write stays pending
            write = connection.Stream.WriteAsync(chunk, ct).AsTask();
            Assert.True(++written < 1024, "a write to a peer that never reads should have stalled by now");
        }
        while (await Task.WhenAny(write, Task.Delay(200, ct)) == write);

        connection.Abort("the peer did not read");

        var e = await Record.ExceptionAsync(() => write.WaitAsync(Patience, ct));
        Assert.True(e is IOException or ObjectDisposedException, $"the pending write should fail, not {e?.GetType().Name ?? "succeed"}");
        Assert.Equal("the peer did not read", connection.ShutdownReason);
    }

    private static async Task UntilAsync(Func<bool> condition, CancellationToken ct)
    {
        var patience = System.Diagnostics.Stopwatch.StartNew();
        while (!condition())
        {
            Assert.True(patience.Elapsed < Patience, "the condition never held");
            await Task.Delay(10, ct);
        }
    }
}
