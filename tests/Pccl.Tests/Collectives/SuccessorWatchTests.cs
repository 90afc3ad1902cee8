using System.Net;
using System.Net.Sockets;
using Pccl.Operations.Collectives;
using Pccl.Protocol.Messages;
using Pccl.Transport;

namespace Pccl.Tests.Collectives;

/// <summary>
/// <see cref="SuccessorWatch"/> over real loopback connections: a successor that closes or resets the link this side
/// only writes to fails the schedule at once; one that lives on leaves the link as it was, for writing and reading.
/// </summary>
public sealed class SuccessorWatchTests : IAsyncDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);
    private readonly Socket _listener = new(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
    private readonly List<IDisposable> _owned = [];

    public SuccessorWatchTests()
    {
        _listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        _listener.Listen();
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task ASuccessorThatClosesOrResetsFailsTheScheduleAtOnce(bool reset)
    {
        var ct = TestContext.Current.CancellationToken;
        var (outgoing, successor) = await ConnectedPairAsync(ct);
        using var failFast = new CancellationTokenSource();
        var failed = new TaskCompletionSource();
        using var signal = failFast.Token.Register(() => failed.TrySetResult());
        using var watch = new SuccessorWatch(outgoing, failFast);
        await Task.Delay(50, ct);
        Assert.False(failFast.IsCancellationRequested);

        if (reset)
        {
            successor.LingerState = new LingerOption(true, 0); // closing with linger 0 sends a reset
        }

        successor.Close();

        await failed.Task.WaitAsync(Patience, ct);
        Assert.IsType<EndOfStreamException>(watch.Failure);
    }

    [Fact]
    public async Task AWatchStoppedWhileTheSuccessorLivesLeavesTheLinkUsable()
    {
        var ct = TestContext.Current.CancellationToken;
        var (outgoing, successor) = await ConnectedPairAsync(ct);
        using var failFast = new CancellationTokenSource();
        using (new SuccessorWatch(outgoing, failFast))
        {
            await Task.Delay(50, ct);
        }

        // the next operation's watch, and its frames, on the same link
        using var next = new SuccessorWatch(outgoing, failFast);
        await outgoing.Stream.WriteAsync(new byte[] { 7, 8, 9 }, ct);
        var received = new byte[3];
        await successor.ReceiveAsync(received, ct).AsTask().WaitAsync(Patience, ct);
        Assert.Equal(new byte[] { 7, 8, 9 }, received);
        Assert.False(failFast.IsCancellationRequested);
        Assert.Null(next.Failure);
    }

    [Fact]
    public async Task BytesFromTheSuccessorAreNotAClosingAndStayUnread()
    {
        var ct = TestContext.Current.CancellationToken;
        var (outgoing, successor) = await ConnectedPairAsync(ct);
        using var failFast = new CancellationTokenSource();
        using (var watch = new SuccessorWatch(outgoing, failFast))
        {
            await successor.SendAsync(new byte[] { 42 }, ct);
            await Task.Delay(100, ct);
            Assert.False(failFast.IsCancellationRequested);
            Assert.Null(watch.Failure);
        }

        var read = new byte[1];
        Assert.Equal(1, await outgoing.Stream.ReadAsync(read, ct).AsTask().WaitAsync(Patience, ct));
        Assert.Equal(42, read[0]);
    }

    /// <summary>A ring connection this side opened and the successor's end of it.</summary>
    private async Task<(EstablishedConnection Outgoing, Socket Successor)> ConnectedPairAsync(CancellationToken ct)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(_listener.LocalEndPoint!, ct);
        var successor = await _listener.AcceptAsync(ct);
        _owned.AddRange([socket, successor]);
        var hello = new Hello { Kind = ConnectionKind.Ring, ClusterId = "cluster", PeerId = 1, TargetPeerId = 2 };
        return (new EstablishedConnection(socket, new NetworkStream(socket, ownsSocket: false), hello, null), successor);
    }

    public ValueTask DisposeAsync()
    {
        foreach (var owned in _owned)
        {
            owned.Dispose();
        }

        _listener.Dispose();
        return ValueTask.CompletedTask;
    }
}
