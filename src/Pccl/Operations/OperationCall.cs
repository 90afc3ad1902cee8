using Pccl.Protocol.Messages;

namespace Pccl.Operations;

/// <summary>
/// A peer's view of one master-orchestrated operation in flight: it waits for the master's go-ahead, runs, and waits
/// for the master's verdict. The first failure, from the master or the peer itself, fails both waits and cancels
/// <see cref="Aborted"/> at once, so whatever step the operation is in stops.
/// </summary>
/// <typeparam name="TStart">The master's go-ahead (a collective's start, a synchronisation's plan).</typeparam>
/// <typeparam name="TComplete">The master's verdict that every peer is done.</typeparam>
internal abstract class OperationCall<TStart, TComplete> : IDisposable
{
    private readonly TaskCompletionSource<TStart> _started = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource<TComplete> _completed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly CancellationTokenSource _aborted = new();
    private PcclException? _failure;
    private int _failureReported;

    /// <summary>The operation's sequence once the master started it; 0 before.</summary>
    public ulong Sequence { get; protected set; }

    public CancellationToken Aborted => _aborted.Token;

    /// <summary>The first reason this call failed for, from the master or the peer itself.</summary>
    public PcclException? Failure => Volatile.Read(ref _failure);

    public Task<TStart> Started => _started.Task;

    public Task<TComplete> Completed => _completed.Task;

    /// <summary>True the first time only: the master hears of this peer's failure once.</summary>
    public bool MarkFailureReported() => Interlocked.Exchange(ref _failureReported, 1) == 0;

    /// <summary>
    /// Handles a master message; called on the control link's read loop, in order. False when the call refuses it,
    /// which the caller must tell the master: a collective refuses a start that came after it had failed (a
    /// synchronisation's failure reaches the master on its own, so it accepts every message).
    /// </summary>
    public abstract bool OnMessage(ControlMessage message);

    public void Fail(PcclException reason)
    {
        if (Interlocked.CompareExchange(ref _failure, reason, null) is not null)
        {
            return;
        }

        _started.TrySetException(reason);
        _completed.TrySetException(reason);
        _ = _started.Task.Exception; // the caller may be past one of them; nobody else will observe it
        _ = _completed.Task.Exception;
        try
        {
            _aborted.Cancel();
        }
        catch (ObjectDisposedException)
        {
        }

        OnFailed();
    }

    public void Dispose() => _aborted.Dispose();

    /// <summary>False when the call has failed already (its start wait holds the failure).</summary>
    protected bool SetStarted(TStart start) => _started.TrySetResult(start);

    protected void SetCompleted(TComplete complete) => _completed.TrySetResult(complete);

    /// <summary>Runs once, after the first <see cref="Fail"/> has failed the waits and cancelled <see cref="Aborted"/>.</summary>
    protected virtual void OnFailed()
    {
    }
}
