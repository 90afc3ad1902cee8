namespace Pccl.Master.Store;

/// <summary>
/// What a master keeps outside its process (master.store): the cluster's epoch, the leader lease and the leader's
/// address, and per peer group the shared-state revision and hashes of the last completed sync. Every master of a
/// cluster shares one store; the lease in it decides which one serves.
/// </summary>
internal interface IMasterStore : IAsyncDisposable
{
    /// <summary>The store as the user named it, without a password: for messages.</summary>
    string Description { get; }

    /// <summary>True when no other master can share this store (<c>memory</c>): its holder leads for good, no lease can lapse.</summary>
    bool IsExclusive { get; }

    /// <summary>Connects and creates or migrates the schema; throws a <see cref="PcclException"/> naming master.store.</summary>
    Task OpenAsync(CancellationToken ct);

    /// <summary>
    /// Takes the lease for <paramref name="holder"/> when it is free or lapsed (a new term: the epoch rises), renews it
    /// when <paramref name="holder"/> holds it, and otherwise leaves it alone. One atomic step on the store's own clock.
    /// </summary>
    Task<LeaseOutcome> AcquireOrRenewAsync(string holder, string address, TimeSpan ttl, CancellationToken ct);

    /// <summary>Ends <paramref name="holder"/>'s lease at once, if it holds it, so a standby need not wait for it to lapse.</summary>
    Task ReleaseAsync(string holder, CancellationToken ct);

    /// <summary>Every group's last completed sync.</summary>
    Task<IReadOnlyList<GroupRevision>> ReadRevisionsAsync(CancellationToken ct);

    /// <summary>
    /// Records a completed sync of a group, if <paramref name="epoch"/> is still the current term: a master deposed while
    /// the write was on its way cannot overwrite what its successor recorded. Returns whether it was recorded.
    /// </summary>
    Task<bool> RecordRevisionAsync(ulong epoch, GroupRevision revision, CancellationToken ct);
}
