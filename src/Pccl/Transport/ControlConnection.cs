using System.Threading.Channels;
using Pccl.Protocol.Codec;
using Pccl.Protocol.Messages;

namespace Pccl.Transport;

/// <summary>
/// A control connection, the master's to a peer or a peer's to the master: one read loop delivering messages in order,
/// and one write loop writing queued frames one after another. A frame goes out whole or the connection breaks: a
/// write is never cancelled half-way, since the other side would read the torn frame as a protocol violation. The
/// connection fails once (<see cref="Break"/>), keeping the first reason; its owner words every reason for its side.
/// </summary>
internal sealed class ControlConnection : IAsyncDisposable
{
    private readonly EstablishedConnection _connection;
    private readonly TimeSpan _stuckWriteGrace;
    private readonly Func<ControlFailure, Exception?, Exception> _describe;

    /// <summary>
    /// Synchronous continuations: a send to an idle connection writes on the sender's thread when the socket has room,
    /// without a hop. Not single-reader: <see cref="Break"/> fails what is queued while the write loop may be stuck.
    /// </summary>
    private readonly Channel<OutgoingFrame> _outgoing = Channel.CreateUnbounded<OutgoingFrame>(new UnboundedChannelOptions { AllowSynchronousContinuations = true });

    private readonly CancellationTokenSource _stop = new();
    private readonly Task _writeLoop;
    private Task _readLoop = Task.CompletedTask;
    private Exception? _failure;

    /// <param name="connection">The established connection; this owns it from now on.</param>
    /// <param name="stuckWriteGrace">
    /// How long a frame already being written may take to finish after its sender's token fired before the connection
    /// is broken (the other side counts as not reading).
    /// </param>
    /// <param name="describe">Words a failure (and what caused it, if anything did) as the exception this side reports.</param>
    public ControlConnection(EstablishedConnection connection, TimeSpan stuckWriteGrace, Func<ControlFailure, Exception?, Exception> describe)
    {
        _connection = connection;
        _stuckWriteGrace = stuckWriteGrace;
        _describe = describe;
        _writeLoop = Task.Run(WriteLoopAsync);
    }

    /// <summary>Why the connection failed, the first reason; null while it works.</summary>
    public Exception? Failure => Volatile.Read(ref _failure);

    /// <summary>
    /// Starts the read loop: each message is passed to <paramref name="onMessage"/>, which is awaited before the next
    /// is read. When the loop ends, for whatever reason, the connection breaks and <paramref name="onClosed"/> hears the
    /// first reason. <paramref name="ct"/> stops it (<see cref="ControlFailure.Stopped"/>).
    /// </summary>
    public void Start(Func<ControlMessage, ValueTask> onMessage, Action<Exception> onClosed, CancellationToken ct = default) =>
        _readLoop = Task.Run(() => ReadLoopAsync(onMessage, onClosed, ct), CancellationToken.None);

    /// <summary>
    /// Queues a frame encoded already (<see cref="ControlCodec.EncodeFrame"/>) without waiting for it to be written; a
    /// broken connection drops it. The frame is only read, so one broadcast's bytes may be queued on many connections.
    /// </summary>
    public void SendFrame(byte[] frame) => _outgoing.Writer.TryWrite(new OutgoingFrame(frame, null));

    /// <summary>
    /// Completes when the frame is written; throws <see cref="Failure"/> if the connection is or becomes broken first.
    /// When <paramref name="ct"/> fires before the frame's write began, the frame is dropped and the call throws
    /// <see cref="OperationCanceledException"/>. When it fires during the write, the write gets the grace to finish (a
    /// busy machine can deschedule a writer for a while; the frame then went out whole and the caller sees its
    /// cancellation at its next step); a write still stuck after it breaks the connection
    /// (<see cref="ControlFailure.NotReading"/>), which would be unusable anyway.
    /// </summary>
    public async ValueTask SendAsync(ControlMessage message, CancellationToken ct)
    {
        if (Failure is { } failure)
        {
            throw failure; // at once, not after a queue that a dying write may hold up
        }

        var pending = new PendingWrite();
        if (!_outgoing.Writer.TryWrite(new OutgoingFrame(ControlCodec.EncodeFrame(message), pending)))
        {
            throw Failure ?? _describe(ControlFailure.Stopped, null);
        }

        var written = pending.Written;
        if (!written.IsCompleted && ct.CanBeCanceled)
        {
            try
            {
                await written.WaitAsync(ct).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                if (pending.TryAbandon())
                {
                    throw;
                }

                if (!await FinishesWithinAsync(written, _stuckWriteGrace).ConfigureAwait(false))
                {
                    throw Break(_describe(ControlFailure.NotReading, null));
                }
            }
        }

        await written.ConfigureAwait(false);
    }

    /// <summary>Takes no more frames; closes once everything queued so far is written.</summary>
    public void CloseAfterFlush() => _outgoing.Writer.TryComplete();

    /// <summary>
    /// Marks the connection failed, keeping the first reason, fails every frame still queued with it and shuts the
    /// connection down. Returns the first reason.
    /// </summary>
    public Exception Break(Exception reason)
    {
        var first = Interlocked.CompareExchange(ref _failure, reason, null) ?? reason;
        _connection.Shutdown(first.Message); // first: completing the queue may run the write loop to its end right here
        _outgoing.Writer.TryComplete();
        FailQueued(first);
        return first;
    }

    /// <summary>Cuts the connection at once, even while a write the other side never drains is pending.</summary>
    public void Abort(string reason) => _connection.Abort(reason);

    private async Task ReadLoopAsync(Func<ControlMessage, ValueTask> onMessage, Action<Exception> onClosed, CancellationToken ct)
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct, _stop.Token);
        ControlFailure failure;
        Exception? cause = null;
        try
        {
            using var reader = new FrameReader(_connection.Stream);
            while (await reader.ReadFrameAsync(stop.Token).ConfigureAwait(false) is { } payload)
            {
                await onMessage(ControlCodec.DecodeControl(payload.Span)).ConfigureAwait(false);
            }

            failure = ControlFailure.ClosedByPeer;
        }
        catch (OperationCanceledException)
        {
            failure = ControlFailure.Stopped;
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException or PcclException)
        {
            cause = e;
            failure = e is PcclException { Code: PcclErrorCode.ProtocolViolation } ? ControlFailure.Malformed : ControlFailure.Lost;
        }

        onClosed(Break(_describe(failure, cause)));
    }

    private async Task WriteLoopAsync()
    {
        try
        {
            while (await _outgoing.Reader.WaitToReadAsync().ConfigureAwait(false))
            {
                while (_outgoing.Reader.TryRead(out var frame))
                {
                    if (frame.Pending?.TryStart() == false)
                    {
                        continue; // its sender gave up before the write began
                    }

                    if (Failure is { } failure)
                    {
                        frame.Pending?.Fail(failure);
                        continue;
                    }

                    try
                    {
                        await _connection.Stream.WriteAsync(frame.Bytes, CancellationToken.None).ConfigureAwait(false);
                        if (_outgoing.Reader.Count == 0)
                        {
                            await _connection.Stream.FlushAsync(CancellationToken.None).ConfigureAwait(false);
                        }
                    }
                    catch (Exception e) when (e is IOException or ObjectDisposedException)
                    {
                        frame.Pending?.Fail(Break(_describe(ControlFailure.LostWhileSending, e)));
                        continue;
                    }

                    frame.Pending?.Complete();
                }
            }
        }
        finally
        {
            await _connection.DisposeAsync().ConfigureAwait(false);
        }
    }

    private void FailQueued(Exception reason)
    {
        while (_outgoing.Reader.TryRead(out var frame))
        {
            frame.Pending?.Fail(reason);
        }
    }

    /// <summary>Whether <paramref name="write"/> ends (either way) within <paramref name="grace"/>.</summary>
    private static async Task<bool> FinishesWithinAsync(Task write, TimeSpan grace)
    {
        try
        {
            await write.WaitAsync(grace).ConfigureAwait(false);
            return true;
        }
        catch (TimeoutException)
        {
            return false;
        }
        catch (Exception)
        {
            return true; // it failed: the await after this reports how
        }
    }

    /// <summary>
    /// Breaks the connection (unless it broke already), stops the read loop and closes the connection. A write stuck on
    /// a peer that never reads is not waited for.
    /// </summary>
    public async ValueTask DisposeAsync()
    {
        Break(_describe(ControlFailure.Stopped, null));
        await _stop.CancelAsync().ConfigureAwait(false);
        try
        {
            await _readLoop.ConfigureAwait(false);
        }
        catch (Exception e) when (e is OperationCanceledException or IOException)
        {
        }

        await _connection.DisposeAsync().ConfigureAwait(false);
        _stop.Dispose();
    }

    /// <summary>One queued frame; <see cref="Pending"/> is null when nobody waits for it.</summary>
    private readonly record struct OutgoingFrame(byte[] Bytes, PendingWrite? Pending);
}
