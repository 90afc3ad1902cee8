using System.Net.Sockets;
using System.Threading.Channels;
using Pccl.Protocol.Codec;
using Pccl.Protocol.Messages;
using Pccl.Tests.Transport.Support;
using Pccl.Transport;

namespace Pccl.Tests.Transport;

/// <summary>
/// The one control connection both sides use, over real loopback TCP (the peer's wording of its failures is in
/// <see cref="ControlLinkTests"/>): order, flushing, and how each way it can end is told to its owner.
/// </summary>
public class ControlConnectionTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task MessagesArriveWholeAndInOrderBothWays()
    {
        var ct = TestContext.Current.CancellationToken;
        using var pair = await SocketPair.ConnectAsync(ct);
        var received = Channel.CreateUnbounded<ControlMessage>();
        await using var control = new ControlConnection(pair.Connection(), Patience, Describe);
        control.Start(m => received.Writer.WriteAsync(m, ct), _ => received.Writer.TryComplete(), ct);

        for (var tag = 1u; tag <= 50; tag++)
        {
            control.SendFrame(ControlCodec.EncodeFrame(Init(tag)));
        }

        await using var remote = new NetworkStream(pair.Remote, ownsSocket: false);
        using var reader = new FrameReader(remote);
        for (var tag = 1u; tag <= 50; tag++)
        {
            var payload = await reader.ReadFrameAsync(ct).AsTask().WaitAsync(Patience, ct);
            Assert.Equal(tag, ControlCodec.DecodeControl(payload!.Value.Span).CollectiveInit.Tag);
        }

        await remote.WriteAsync(Enumerable.Range(1, 50).SelectMany(t => ControlCodec.EncodeFrame(Init((uint)t))).ToArray(), ct);
        for (var tag = 1u; tag <= 50; tag++)
        {
            Assert.Equal(tag, (await received.Reader.ReadAsync(ct).AsTask().WaitAsync(Patience, ct)).CollectiveInit.Tag);
        }
    }

    [Fact]
    public async Task CloseAfterFlushWritesEverythingQueuedThenCloses()
    {
        var ct = TestContext.Current.CancellationToken;
        using var pair = await SocketPair.ConnectAsync(ct);
        await using var control = new ControlConnection(pair.Connection(), Patience, Describe);
        for (var tag = 1u; tag <= 200; tag++)
        {
            control.SendFrame(ControlCodec.EncodeFrame(Init(tag)));
        }

        control.CloseAfterFlush();
        control.SendFrame(ControlCodec.EncodeFrame(Init(999))); // after the close: dropped

        await using var remote = new NetworkStream(pair.Remote, ownsSocket: false);
        using var reader = new FrameReader(remote);
        var tags = new List<uint>();
        while (await reader.ReadFrameAsync(ct).AsTask().WaitAsync(Patience, ct) is { } payload)
        {
            tags.Add(ControlCodec.DecodeControl(payload.Span).CollectiveInit.Tag);
        }

        Assert.Equal(Enumerable.Range(1, 200).Select(t => (uint)t), tags);
    }

    [Fact]
    public async Task AMalformedFrameBreaksTheConnectionAndIsToldAsMalformed()
    {
        var ct = TestContext.Current.CancellationToken;
        using var pair = await SocketPair.ConnectAsync(ct);
        var closed = new TaskCompletionSource<Exception>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var control = Started(pair, closed, ct);

        await pair.Remote.SendAsync(new byte[] { 0xFF, 0xFF, 0xFF, 0xFF }, ct); // a negative frame length

        var reason = Assert.IsType<Failed>(await closed.Task.WaitAsync(Patience, ct));
        Assert.Equal(ControlFailure.Malformed, reason.Failure);
        Assert.IsType<ProtocolException>(reason.Cause);
        Assert.Same(reason, control.Failure);
        Assert.Equal(0, await pair.Remote.ReceiveAsync(new byte[1], ct).AsTask().WaitAsync(Patience, ct)); // closed on it
    }

    [Fact]
    public async Task ThePeerClosingBetweenFramesIsToldAsClosedByPeerAndLaterSendsFailWithIt()
    {
        var ct = TestContext.Current.CancellationToken;
        using var pair = await SocketPair.ConnectAsync(ct);
        var closed = new TaskCompletionSource<Exception>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var control = Started(pair, closed, ct);

        pair.Remote.Shutdown(SocketShutdown.Send);

        var reason = Assert.IsType<Failed>(await closed.Task.WaitAsync(Patience, ct));
        Assert.Equal(ControlFailure.ClosedByPeer, reason.Failure);
        Assert.Same(reason, await Assert.ThrowsAsync<Failed>(() => control.SendAsync(Init(1), ct).AsTask()));
    }

    [Fact]
    public async Task ItsOwnersTokenStopsItAsStopped()
    {
        var ct = TestContext.Current.CancellationToken;
        using var pair = await SocketPair.ConnectAsync(ct);
        using var stop = new CancellationTokenSource();
        var closed = new TaskCompletionSource<Exception>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var control = Started(pair, closed, stop.Token);

        await stop.CancelAsync();

        Assert.Equal(ControlFailure.Stopped, Assert.IsType<Failed>(await closed.Task.WaitAsync(Patience, ct)).Failure);
    }

    [Fact]
    public async Task AFrameWhoseSenderGaveUpBeforeItsWriteBeganIsNeverWritten()
    {
        var ct = TestContext.Current.CancellationToken;
        var stream = new GatedStream();
        await using var control = new ControlConnection(new EstablishedConnection(new Socket(SocketType.Stream, ProtocolType.Tcp), stream, new Hello(), null), Patience, Describe);
        var first = control.SendAsync(Init(1), CancellationToken.None).AsTask();
        await stream.WriteStarted.WaitAsync(Patience, ct);
        using var giveUp = new CancellationTokenSource();
        var second = control.SendAsync(Init(2), giveUp.Token).AsTask();

        await giveUp.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => second.WaitAsync(Patience, ct));
        stream.Open();
        await first.WaitAsync(Patience, ct);
        await control.SendAsync(Init(3), ct);

        Assert.Equal([.. ControlCodec.EncodeFrame(Init(1)), .. ControlCodec.EncodeFrame(Init(3))], stream.Written.ToArray());
        Assert.Null(control.Failure);
    }

    /// <summary>A connection over <paramref name="pair"/>'s local end whose read loop ignores messages and reports its end to <paramref name="closed"/>.</summary>
    private static ControlConnection Started(SocketPair pair, TaskCompletionSource<Exception> closed, CancellationToken stop)
    {
        var control = new ControlConnection(pair.Connection(), Patience, Describe);
        control.Start(_ => ValueTask.CompletedTask, e => closed.TrySetResult(e), stop);
        return control;
    }

    private static ControlMessage Init(uint tag) => new() { CollectiveInit = new CollectiveInit { Tag = tag } };

    private static Failed Describe(ControlFailure failure, Exception? cause) => new(failure, cause);

    private sealed class Failed(ControlFailure failure, Exception? cause) : Exception($"{failure}: {cause?.Message}", cause)
    {
        public ControlFailure Failure { get; } = failure;

        public Exception? Cause { get; } = cause;
    }
}
