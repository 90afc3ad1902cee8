namespace Pccl.Operations.Collectives;

/// <summary>
/// Bounds how many ring operations move data at once on this peer (<c>performance.num_io_threads</c>). Operations
/// enter strictly in the master's sequence order: every peer of a group sees the same starts in the same order, so
/// all of them admit the same operations and none waits for a neighbour that admitted a different one.
/// </summary>
internal sealed class RingIoGate(int slots)
{
    private readonly Lock _gate = new();
    private readonly SortedDictionary<ulong, TaskCompletionSource?> _expected = [];
    private int _free = Math.Max(1, slots);

    /// <summary>Announces a started operation; called in the order the master's starts arrive.</summary>
    public void Expect(ulong sequence)
    {
        lock (_gate)
        {
            _expected.TryAdd(sequence, null);
        }
    }

    /// <summary>Waits for a slot and this operation's turn. Dispose the result to give the slot back.</summary>
    public async ValueTask<IDisposable> EnterAsync(ulong sequence, CancellationToken ct)
    {
        TaskCompletionSource turn;
        lock (_gate)
        {
            _expected.TryAdd(sequence, null);
            if (_free > 0 && _expected.First().Key == sequence)
            {
                _expected.Remove(sequence);
                _free--;
                return new Slot(this);
            }

            turn = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _expected[sequence] = turn;
        }

        try
        {
            await turn.Task.WaitAsync(ct).ConfigureAwait(false);
            return new Slot(this);
        }
        catch (OperationCanceledException)
        {
            lock (_gate)
            {
                if (turn.Task.IsCompletedSuccessfully)
                {
                    _free++; // the slot was handed over as we gave up
                }
            }

            Withdraw(sequence);
            throw;
        }
    }

    /// <summary>An announced operation that will never enter (aborted before its data moved) stops holding up the queue.</summary>
    public void Withdraw(ulong sequence)
    {
        lock (_gate)
        {
            _expected.Remove(sequence);
            AdmitNext();
        }
    }

    private void Release()
    {
        lock (_gate)
        {
            _free++;
            AdmitNext();
        }
    }

    private void AdmitNext()
    {
        while (_free > 0 && _expected.Count > 0)
        {
            var (sequence, turn) = _expected.First();
            if (turn is null)
            {
                return; // its caller has not arrived yet; nobody may overtake it
            }

            _expected.Remove(sequence);
            _free--;
            turn.TrySetResult();
        }
    }

    private sealed class Slot(RingIoGate gate) : IDisposable
    {
        private int _released;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _released, 1) == 0)
            {
                gate.Release();
            }
        }
    }
}
