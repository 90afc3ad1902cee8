using Pccl.Protocol.Messages;

namespace Pccl.Transport.Identity;

/// <summary>
/// What a peer's p2p listener knows of the run from the master: every member's identity key, by peer id, as of the
/// latest world, and the latest operation sequence this peer has seen. A connection may arrive just before the world
/// or the operation it belongs to, so callers can wait for either, within their handshake deadline.
/// </summary>
internal sealed class MemberDirectory
{
    private readonly Lock _gate = new();
    private Dictionary<ulong, byte[]> _keys = [];
    private ulong _lastSequence;
    private TaskCompletionSource _changed = NewSignal();

    /// <summary>The latest operation sequence seen (a start, an abort, or a world's).</summary>
    public ulong LastSequence
    {
        get
        {
            lock (_gate)
            {
                return _lastSequence;
            }
        }
    }

    /// <summary>Takes the members of <paramref name="world"/> (replacing the last world's) and its sequence.</summary>
    public void Update(World world)
    {
        var keys = world.Peers.ToDictionary(p => p.PeerId, p => p.IdentityKey.ToByteArray());
        TaskCompletionSource changed;
        lock (_gate)
        {
            _keys = keys;
            _lastSequence = Math.Max(_lastSequence, world.LastSequence);
            (changed, _changed) = (_changed, NewSignal());
        }

        changed.TrySetResult();
    }

    /// <summary>Raises the latest sequence seen to <paramref name="sequence"/>.</summary>
    public void NoteSequence(ulong sequence)
    {
        TaskCompletionSource changed;
        lock (_gate)
        {
            if (sequence <= _lastSequence)
            {
                return;
            }

            _lastSequence = sequence;
            (changed, _changed) = (_changed, NewSignal());
        }

        changed.TrySetResult();
    }

    /// <summary>The identity key of member <paramref name="peerId"/>; waits for a world naming it until <paramref name="ct"/> fires, then null.</summary>
    public Task<byte[]?> KeyOfAsync(ulong peerId, CancellationToken ct) => WaitAsync(() => _keys.GetValueOrDefault(peerId), ct);

    /// <summary>True once the latest sequence seen is at least <paramref name="sequence"/>; false when <paramref name="ct"/> fires first.</summary>
    public async Task<bool> ReachesAsync(ulong sequence, CancellationToken ct) =>
        await WaitAsync(() => _lastSequence >= sequence ? (object)true : null, ct).ConfigureAwait(false) is not null;

    private async Task<T?> WaitAsync<T>(Func<T?> probe, CancellationToken ct) where T : class
    {
        while (true)
        {
            Task changed;
            lock (_gate)
            {
                if (probe() is { } found)
                {
                    return found;
                }

                changed = _changed.Task;
            }

            try
            {
                await changed.WaitAsync(ct).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return null;
            }
        }
    }

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);
}
