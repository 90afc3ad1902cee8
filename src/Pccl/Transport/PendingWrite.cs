namespace Pccl.Transport;

/// <summary>
/// A queued control frame whose sender waits for it: the write loop starts it unless the sender abandoned it first,
/// then completes or fails it.
/// </summary>
internal sealed class PendingWrite
{
    private const int Queued = 0;
    private const int Started = 1;
    private const int Abandoned = 2;

    // a sender resumed by the write loop must not run on it and hold up the frames behind its own
    private readonly TaskCompletionSource _written = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _state;

    public Task Written => _written.Task;

    /// <summary>Claims the frame for writing; false when its sender abandoned it.</summary>
    public bool TryStart() => Interlocked.CompareExchange(ref _state, Started, Queued) == Queued;

    /// <summary>Gives the frame up before its write began; false when the write has begun.</summary>
    public bool TryAbandon() => Interlocked.CompareExchange(ref _state, Abandoned, Queued) == Queued;

    public void Complete() => _written.TrySetResult();

    public void Fail(Exception reason) => _written.TrySetException(reason);
}
