namespace Pccl.Operations.Session;

/// <summary>
/// The newest master epoch a peer has served under, kept across its reconnections. A master message or hello reply of
/// an older epoch comes from a deposed leader and is never acted upon. Epoch 0 (a master without a store) is older than
/// any epoch above 0 only once one was seen; until then every master is epoch 0 alike.
/// </summary>
internal sealed class EpochFence
{
    private long _newest;
    private long _staleMessages;

    /// <summary>The newest epoch seen so far (0: none).</summary>
    public ulong Newest => (ulong)Interlocked.Read(ref _newest);

    /// <summary>Master messages dropped because their epoch was older than <see cref="Newest"/>.</summary>
    public long StaleMessages => Interlocked.Read(ref _staleMessages);

    /// <summary>Whether <paramref name="epoch"/> is older than the newest seen (a deposed leader's).</summary>
    public bool IsStale(ulong epoch) => epoch < Newest;

    /// <summary>
    /// Takes a master message's epoch: false (and counted) when it is stale; otherwise true, and a newer epoch becomes
    /// the newest.
    /// </summary>
    public bool Admit(ulong epoch)
    {
        while (true)
        {
            var newest = Interlocked.Read(ref _newest);
            if (epoch < (ulong)newest)
            {
                Interlocked.Increment(ref _staleMessages);
                return false;
            }

            if (epoch == (ulong)newest || Interlocked.CompareExchange(ref _newest, (long)epoch, newest) == newest)
            {
                return true;
            }
        }
    }
}
