using System.Net.Sockets;
using Pccl.Protocol.Codec;
using Pccl.Protocol.Messages;
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

    /// <summary>Writes wait until <see cref="Open"/> (a master that is slow or not reading); reads wait for ever.</summary>
    private sealed class GatedStream : Stream
    {
        private readonly TaskCompletionSource _open = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly TaskCompletionSource _writeStarted = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private int _writesStarted;

        public MemoryStream Written { get; } = new();

        public Task WriteStarted => _writeStarted.Task;

        public int WritesStarted => Volatile.Read(ref _writesStarted);

        public void Open() => _open.TrySetResult();

        public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            Interlocked.Increment(ref _writesStarted);
            _writeStarted.TrySetResult();
            await _open.Task.WaitAsync(cancellationToken);
            lock (Written)
            {
                Written.Write(buffer.Span);
            }
        }

        public override Task FlushAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            new(Task.Delay(Timeout.Infinite, cancellationToken).ContinueWith(_ => 0, TaskScheduler.Default));

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override void Flush()
        {
        }

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
