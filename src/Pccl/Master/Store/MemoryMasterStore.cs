namespace Pccl.Master.Store;

/// <summary>
/// master.store <c>memory</c>: the store lives and dies with this master, so it is always the leader and keeps nothing
/// across a restart. Its clock is the process's monotonic clock.
/// </summary>
internal sealed class MemoryMasterStore : IMasterStore
{
    private readonly Lock _lock = new();
    private readonly Dictionary<uint, GroupRevision> _revisions = [];
    private readonly long _origin = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() - Environment.TickCount64;
    private LeaseRow _lease = LeaseRow.Empty;

    public string Description => "memory";

    public bool IsExclusive => true;

    public Task OpenAsync(CancellationToken ct) => Task.CompletedTask;

    public Task<LeaseOutcome> AcquireOrRenewAsync(string holder, string address, TimeSpan ttl, CancellationToken ct)
    {
        lock (_lock)
        {
            var now = NowMs;
            _lease = _lease.Attempt(holder, address, now, (long)ttl.TotalMilliseconds);
            return Task.FromResult(_lease.OutcomeFor(holder, now));
        }
    }

    public Task ReleaseAsync(string holder, CancellationToken ct)
    {
        lock (_lock)
        {
            if (_lease.Holder == holder)
            {
                _lease = _lease with { Holder = "", ExpiresMs = 0 };
            }
        }

        return Task.CompletedTask;
    }

    public Task<IReadOnlyList<GroupRevision>> ReadRevisionsAsync(CancellationToken ct)
    {
        lock (_lock)
        {
            return Task.FromResult<IReadOnlyList<GroupRevision>>([.. _revisions.Values]);
        }
    }

    public Task<bool> RecordRevisionAsync(ulong epoch, GroupRevision revision, CancellationToken ct)
    {
        lock (_lock)
        {
            if (_lease.Epoch != epoch)
            {
                return Task.FromResult(false);
            }

            _revisions[revision.Group] = revision;
            return Task.FromResult(true);
        }
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    /// <summary>Wall-clock milliseconds that never step back: the wall clock at start plus monotonic time since.</summary>
    private long NowMs => _origin + Environment.TickCount64;
}
