namespace Pccl.Operations.StateSync;

/// <summary>
/// The sources a peer serves, by round sequence. A receiver may connect before this peer has read its own plan, so
/// a connection waits for the source of its sequence to be published; sequences already retired are refused at once.
/// </summary>
internal sealed class StateServingTable
{
    private readonly Lock _gate = new();
    private readonly Dictionary<ulong, TaskCompletionSource<StateSource?>> _bySequence = [];
    private ulong _highestRetired;

    public void Publish(ulong sequence, StateSource source)
    {
        lock (_gate)
        {
            if (sequence <= _highestRetired)
            {
                return;
            }

            Slot(sequence).TrySetResult(source);
        }
    }

    /// <summary>Ends a round: its source stops serving and later connections for it are refused.</summary>
    public void Retire(ulong sequence)
    {
        TaskCompletionSource<StateSource?>? slot;
        lock (_gate)
        {
            _highestRetired = Math.Max(_highestRetired, sequence);
            foreach (var stale in _bySequence.Keys.Where(s => s <= _highestRetired).ToList())
            {
                _bySequence.Remove(stale, out slot);
                slot!.TrySetResult(null);
            }
        }
    }

    /// <summary>The source of <paramref name="sequence"/>, or null when it was retired or not published within <paramref name="timeout"/>.</summary>
    public async Task<StateSource?> WaitAsync(ulong sequence, TimeSpan timeout, CancellationToken ct)
    {
        Task<StateSource?> pending;
        lock (_gate)
        {
            if (sequence <= _highestRetired)
            {
                return null;
            }

            pending = Slot(sequence).Task;
        }

        try
        {
            return await pending.WaitAsync(timeout, ct).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            lock (_gate)
            {
                if (_bySequence.TryGetValue(sequence, out var slot) && !slot.Task.IsCompleted)
                {
                    _bySequence.Remove(sequence);
                }
            }

            return null;
        }
    }

    private TaskCompletionSource<StateSource?> Slot(ulong sequence)
    {
        if (!_bySequence.TryGetValue(sequence, out var slot))
        {
            slot = new TaskCompletionSource<StateSource?>(TaskCreationOptions.RunContinuationsAsynchronously);
            _bySequence[sequence] = slot;
        }

        return slot;
    }
}
