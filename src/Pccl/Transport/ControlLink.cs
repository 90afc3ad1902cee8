using Pccl.Protocol.Codec;
using Pccl.Protocol.Messages;

namespace Pccl.Transport;

/// <summary>
/// A peer's control connection to the master: one read loop delivering messages in order, and sends serialised by
/// a lock. It fails once, keeping the first reason.
/// </summary>
internal sealed class ControlLink : IAsyncDisposable
{
    private readonly EstablishedConnection _connection;
    private readonly TimeSpan _stuckWriteGrace;
    private readonly SemaphoreSlim _writeLock = new(1, 1);
    private readonly CancellationTokenSource _stop = new();
    private Task _readLoop = Task.CompletedTask;
    private Exception? _failure;

    /// <param name="connection">The established connection to the master.</param>
    /// <param name="stuckWriteGrace">
    /// How long a frame already being written may take to finish after the caller's token fired before the link is
    /// broken (the master counts as not reading; one heartbeat timeout is the natural bound).
    /// </param>
    public ControlLink(EstablishedConnection connection, TimeSpan stuckWriteGrace)
    {
        _connection = connection;
        _stuckWriteGrace = stuckWriteGrace;
    }

    public Exception? Failure => Volatile.Read(ref _failure);

    public void Start(Func<ControlMessage, ValueTask> onMessage, Action<Exception> onLost) =>
        _readLoop = Task.Run(() => ReadLoopAsync(onMessage, onLost));

    public async ValueTask SendAsync(ControlMessage message, CancellationToken ct)
    {
        if (Failure is { } failure)
        {
            throw failure; // at once, not after waiting for a lock that a dying write may hold
        }

        var frame = ControlCodec.EncodeFrame(message);
        await _writeLock.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            if (Failure is { } broken)
            {
                throw broken; // broke while this send waited: a write abandoned on break may still hold the stream
            }

            // A frame is never cancelled half-way: that would leave a torn frame the master reads as a protocol
            // violation. When the caller's token fires during a write, the write gets the grace to finish (a busy
            // machine can deschedule a writer for a while; the frame then went out whole and the caller sees its
            // cancellation at its next step). Only a write still stuck after it breaks the link: the master is not
            // reading, and the link would be unusable anyway.
            var write = WriteFrameAsync(frame);
            if (!write.IsCompleted && ct.CanBeCanceled)
            {
                try
                {
                    await write.WaitAsync(ct).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (ct.IsCancellationRequested)
                {
                    if (!await FinishesWithinAsync(write, _stuckWriteGrace).ConfigureAwait(false))
                    {
                        _ = write.ContinueWith(static w => _ = w.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default);
                        throw Break(new PcclException(PcclErrorCode.MasterLost,
                            $"a control message was still not written {_stuckWriteGrace.TotalMilliseconds:0} ms after its caller cancelled: the master is not reading", true));
                    }
                }
            }

            await write.ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException)
        {
            throw Break(new PcclException(PcclErrorCode.MasterLost, $"lost the master connection while sending: {e.Message}", true, e));
        }
        finally
        {
            _writeLock.Release();
        }
    }

    private async Task WriteFrameAsync(byte[] frame)
    {
        await _connection.Stream.WriteAsync(frame, CancellationToken.None).ConfigureAwait(false);
        await _connection.Stream.FlushAsync(CancellationToken.None).ConfigureAwait(false);
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

    private async Task ReadLoopAsync(Func<ControlMessage, ValueTask> onMessage, Action<Exception> onLost)
    {
        Exception reason;
        try
        {
            using var reader = new FrameReader(_connection.Stream);
            while (await reader.ReadFrameAsync(_stop.Token).ConfigureAwait(false) is { } payload)
            {
                await onMessage(ControlCodec.DecodeControl(payload.Span)).ConfigureAwait(false);
            }

            reason = new PcclException(PcclErrorCode.MasterLost, "the master closed the connection", isTransient: true);
        }
        catch (OperationCanceledException)
        {
            reason = new PcclException(PcclErrorCode.InvalidState, "the communicator was disposed");
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException or PcclException)
        {
            reason = e is PcclException pe && pe.Code == PcclErrorCode.ProtocolViolation
                ? new PcclException(PcclErrorCode.MasterLost, $"the master sent a malformed message: {e.Message}", true, e)
                : new PcclException(PcclErrorCode.MasterLost, $"lost the master connection: {e.Message}", true, e);
        }

        onLost(Break(reason));
    }

    /// <summary>Marks the link failed, keeping the first reason, and closes it.</summary>
    public Exception Break(Exception reason)
    {
        var first = Interlocked.CompareExchange(ref _failure, reason, null) ?? reason;
        _connection.Shutdown(first.Message);
        return first;
    }

    public async ValueTask DisposeAsync()
    {
        Break(new PcclException(PcclErrorCode.InvalidState, "the communicator was disposed"));
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
        _writeLock.Dispose();
    }
}
