using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Pccl.Master.Store;
using Pccl.Telemetry;

namespace Pccl.Master.Leadership;

/// <summary>
/// Competes for the leader lease in the master store and tells whether this master may serve. The leader renews every
/// quarter of the TTL; a standby tries every eighth, and again the moment the store says the leader's lease lapses, so
/// it takes over as soon as the store lets it.
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
    private readonly Action _termBegan;
    private readonly CancellationTokenSource _stop = new();
    private LeadershipTerm? _term;
    private long _validUntil; // Stopwatch timestamp; the term is void from then on
    private bool _storeFailing;
    private long _otherLeaseEnds; // Stopwatch timestamp at which another master's lease lapses, as of the last answer; 0: none known
    private Task _loop = Task.CompletedTask;

    /// <param name="store">The master store the masters share.</param>
    /// <param name="address">This master's advertised control address.</param>
    /// <param name="ttl">master.lease_ttl_ms.</param>
    /// <param name="logger">The master's logger.</param>
    /// <param name="termBegan">Called (on the lease's thread) when this master wins a term, so the server serves at once rather than on its next tick.</param>
    public LeaderLease(IMasterStore store, string address, TimeSpan ttl, ILogger logger, Action termBegan)
    {
        _store = store;
        _address = address;
        _ttl = ttl;
        _logger = logger;
        _termBegan = termBegan;
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
                await Task.Delay(NextAttemptIn(), _stop.Token).ConfigureAwait(false);
                await AttemptAsync(_stop.Token).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    /// <summary>
    /// The leader renews every quarter of the TTL. A standby tries every eighth, or sooner when the store's last answer
    /// says the leader's lease lapses before then: just after that moment, so a dead leader's lease passes on at once.
    /// The moment is reckoned from this master's receipt of the answer, which is after the store decided, so the attempt
    /// reaches the store after the lease lapsed on its clock (a slower clock here only makes it later).
    /// </summary>
    private TimeSpan NextAttemptIn()
    {
        if (Term is not null)
        {
            return _ttl / 4;
        }

        var poll = _ttl / 8;
        var lapses = Volatile.Read(ref _otherLeaseEnds);
        if (lapses == 0)
        {
            return poll;
        }

        var untilLapse = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), lapses) + LapseMargin;
        return untilLapse < TimeSpan.Zero ? TimeSpan.Zero : untilLapse < poll ? untilLapse : poll;
    }

    /// <summary>The store's clock counts whole milliseconds and a lease is live until its expiry: one more makes it lapsed there.</summary>
    private static TimeSpan LapseMargin => TimeSpan.FromMilliseconds(1);

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
                Volatile.Write(ref _otherLeaseEnds, outcome.LeaderAddress.Length > 0 ? Stopwatch.GetTimestamp() + Ticks(outcome.Remaining) : 0);
                return;
            }

            Volatile.Write(ref _otherLeaseEnds, 0);
            var began = _term?.Epoch != outcome.Epoch;
            if (began)
            {
                var revisions = await _store.ReadRevisionsAsync(deadline.Token).ConfigureAwait(false);
                Volatile.Write(ref _term, new LeadershipTerm(outcome.Epoch, revisions.ToDictionary(r => r.Group, r => r.Revision)));
            }

            Volatile.Write(ref _validUntil, sent + Ticks(_ttl - DriftGuard));
            if (began)
            {
                _termBegan();
            }
        }
        catch (Exception e) when (!ct.IsCancellationRequested && e is PcclException or OperationCanceledException or System.Data.Common.DbException or TimeoutException)
        {
            // The lease runs out by itself; the server notices on its next tick or send. A standby goes back to its
            // eighths: trying again at once would hammer a store that refuses connections.
            Volatile.Write(ref _otherLeaseEnds, 0);
            if (!_storeFailing)
            {
                _storeFailing = true;
                _logger.LeaseAttemptFailed(_store.Description, e is OperationCanceledException ? $"no answer within {(_ttl / 2).TotalMilliseconds:0} ms" : e.Message);
            }
        }
    }

    private static long Ticks(TimeSpan span) => (long)(span.TotalSeconds * Stopwatch.Frequency);

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
