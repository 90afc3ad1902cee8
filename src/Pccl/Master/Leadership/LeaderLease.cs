using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Pccl.Master.Store;
using Pccl.Telemetry;

namespace Pccl.Master.Leadership;

/// <summary>
/// Competes for the leader lease in the master store and tells whether this master may serve. The leader renews every
/// quarter of the TTL; a standby tries every eighth, so it takes over soon after a lease lapses.
/// <para>
/// The store decides on its own clock; this master counts its lease from the moment it sent the attempt that won or
/// renewed it, on its monotonic clock, less a guard for clock drift. The store starts the same lease later than that
/// (it decides after receiving the attempt), so this master's lease always ends before the store's: by the time another
/// master can take the lease, this one has stopped serving, whether it was cut off from the store, paused, or slow.
/// </para>
/// </summary>
internal sealed class LeaderLease : IAsyncDisposable
{
    private readonly IMasterStore _store;
    private readonly string _holder = Guid.NewGuid().ToString("N");
    private readonly string _address;
    private readonly TimeSpan _ttl;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stop = new();
    private LeadershipTerm? _term;
    private long _validUntil; // Stopwatch timestamp; the term is void from then on
    private bool _storeFailing;
    private Task _loop = Task.CompletedTask;

    public LeaderLease(IMasterStore store, string address, TimeSpan ttl, ILogger logger)
    {
        _store = store;
        _address = address;
        _ttl = ttl;
        _logger = logger;
    }

    /// <summary>The address this master advertises while it leads.</summary>
    public string Address => _address;

    /// <summary>The current term while this master holds the lease, else null; checked before anything is sent.</summary>
    public LeadershipTerm? Term => Stopwatch.GetTimestamp() < Volatile.Read(ref _validUntil) ? Volatile.Read(ref _term) : null;

    /// <summary>The leader's address as the store last named it (this master's own while it leads); empty when unknown.</summary>
    public string LeaderAddress { get; private set; } = "";

    /// <summary>The lease's expiry on the store's clock, as of the last attempt.</summary>
    public DateTimeOffset? Expires { get; private set; }

    /// <summary>The last epoch the store reported.</summary>
    public ulong LastEpoch { get; private set; }

    public string StoreDescription => _store.Description;

    /// <summary>
    /// Makes one attempt now (so a lone master leads before it returns from start), then keeps competing. A master alone
    /// on its store leads for good: with nobody to hand over to, a late renewal (a busy thread pool) must not stop it.
    /// </summary>
    public async Task StartAsync(CancellationToken ct)
    {
        await AttemptAsync(ct).ConfigureAwait(false);
        if (_store.IsExclusive)
        {
            Volatile.Write(ref _validUntil, long.MaxValue);
            return;
        }

        _loop = Task.Run(RunAsync, CancellationToken.None);
    }

    private async Task RunAsync()
    {
        try
        {
            while (!_stop.IsCancellationRequested)
            {
                await Task.Delay(Term is null ? _ttl / 8 : _ttl / 4, _stop.Token).ConfigureAwait(false);
                await AttemptAsync(_stop.Token).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    private async Task AttemptAsync(CancellationToken ct)
    {
        var sent = Stopwatch.GetTimestamp();
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(ct);
        deadline.CancelAfter(_ttl / 2);
        try
        {
            var outcome = await _store.AcquireOrRenewAsync(_holder, _address, _ttl, deadline.Token).ConfigureAwait(false);
            (LeaderAddress, Expires, LastEpoch, _storeFailing) = (outcome.LeaderAddress, outcome.Expires, outcome.Epoch, false);
            if (!outcome.Granted)
            {
                Volatile.Write(ref _validUntil, 0);
                return;
            }

            if (_term?.Epoch != outcome.Epoch)
            {
                var revisions = await _store.ReadRevisionsAsync(deadline.Token).ConfigureAwait(false);
                Volatile.Write(ref _term, new LeadershipTerm(outcome.Epoch, revisions.ToDictionary(r => r.Group, r => r.Revision)));
            }

            Volatile.Write(ref _validUntil, sent + (long)((_ttl - DriftGuard).TotalSeconds * Stopwatch.Frequency));
        }
        catch (Exception e) when (!ct.IsCancellationRequested && e is PcclException or OperationCanceledException or System.Data.Common.DbException or TimeoutException)
        {
            // The lease runs out by itself; the server notices on its next tick or send.
            if (!_storeFailing)
            {
                _storeFailing = true;
                _logger.LeaseAttemptFailed(_store.Description, e is OperationCanceledException ? $"no answer within {(_ttl / 2).TotalMilliseconds:0} ms" : e.Message);
            }
        }
    }

    /// <summary>A twentieth of the TTL: covers a monotonic clock up to 5 % slower than the store's.</summary>
    private TimeSpan DriftGuard => _ttl / 20;

    /// <summary>Records a completed sync made in term <paramref name="epoch"/>; the store ignores it once that term is over.</summary>
    public Task<bool> RecordAsync(ulong epoch, GroupRevision revision, CancellationToken ct) => _store.RecordRevisionAsync(epoch, revision, ct);

    /// <summary>Stops competing and hands the lease back, so a standby need not wait for it to lapse.</summary>
    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        await _loop.ConfigureAwait(false);
        if (Volatile.Read(ref _term) is not null)
        {
            Volatile.Write(ref _validUntil, 0);
            try
            {
                using var timeout = new CancellationTokenSource(_ttl / 2);
                await _store.ReleaseAsync(_holder, timeout.Token).ConfigureAwait(false);
            }
            catch (Exception e) when (e is PcclException or OperationCanceledException or System.Data.Common.DbException)
            {
                // the lease lapses by itself
            }
        }

        _stop.Dispose();
        await _store.DisposeAsync().ConfigureAwait(false);
    }
}
