using System.Net.Sockets;
using Pccl.Protocol.Codec;
using Pccl.Protocol.Messages;
using Pccl.Tests.Transport.Support;
using Pccl.Transport;

namespace Pccl.Tests.Transport;

/// <summary>A caller cancelling while its control frame is being written: the frame goes out whole, or the link breaks.</summary>
public class ControlLinkTests
{
    private static readonly ControlMessage Init = new() { CollectiveInit = new CollectiveInit { Tag = 7 } };

    [Fact]
    public async Task ACancellationDuringASlowWriteThatFinishesLeavesTheLinkUsable()
    {
        var stream = new GatedStream();
        await using var link = new ControlLink(Connection(stream), stuckWriteGrace: TimeSpan.FromSeconds(30));
        var send = await SendAndCancelMidWriteAsync(link, stream);
        await Task.Delay(100, TestContext.Current.CancellationToken);
        Assert.False(send.IsCompleted, "the send must wait for the frame it started");
        stream.Open();

        await send.WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken);
        Assert.Null(link.Failure);
        await link.SendAsync(Init, TestContext.Current.CancellationToken);
        var frame = ControlCodec.EncodeFrame(Init);
        Assert.Equal([.. frame, .. frame], stream.Written.ToArray()); // two whole frames, nothing torn
    }

    [Fact]
    public async Task AWriteStillStuckAfterTheGraceBreaksTheLinkSoTheCallerIsNotHeldForEver()
    {
        var stream = new GatedStream();
        await using var link = new ControlLink(Connection(stream), stuckWriteGrace: TimeSpan.FromMilliseconds(200));
        var send = await SendAndCancelMidWriteAsync(link, stream);

        var e = await Assert.ThrowsAsync<PcclException>(() => send.WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken));
        Assert.Equal(PcclErrorCode.MasterLost, e.Code);
        Assert.True(e.IsTransient);
        Assert.Contains("not reading", e.Message, StringComparison.Ordinal);
        Assert.Same(e, link.Failure);
        await Assert.ThrowsAsync<PcclException>(() => link.SendAsync(Init, TestContext.Current.CancellationToken).AsTask());
    }

    [Fact]
    public async Task ASendQueuedBehindAStuckWriteFailsWithTheBreakInsteadOfWritingBesideIt()
    {
        var stream = new GatedStream();
        await using var link = new ControlLink(Connection(stream), stuckWriteGrace: TimeSpan.FromMilliseconds(200));
        var stuck = await SendAndCancelMidWriteAsync(link, stream);
        var queued = link.SendAsync(Init, CancellationToken.None).AsTask(); // a failure report, say: no token

        await Assert.ThrowsAsync<PcclException>(() => stuck.WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken));
        var e = await Assert.ThrowsAsync<PcclException>(() => queued.WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken));
        Assert.Equal(PcclErrorCode.MasterLost, e.Code);
        Assert.Equal(1, stream.WritesStarted); // TLS would refuse a second write while the first is pending
    }

    /// <summary>Starts a send and fires its token once the frame's write has begun (a writer descheduled mid-write, say).</summary>
    private static async Task<Task> SendAndCancelMidWriteAsync(ControlLink link, GatedStream stream)
    {
        using var cancel = new CancellationTokenSource();
        var send = link.SendAsync(Init, cancel.Token).AsTask();
        await stream.WriteStarted.WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken);
        await cancel.CancelAsync();
        return send;
    }

    private static EstablishedConnection Connection(Stream stream) =>
        new(new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp), stream, new Hello(), null);
}
