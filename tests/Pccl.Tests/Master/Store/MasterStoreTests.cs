using System.Diagnostics;
using Pccl.Master.Store;
using Pccl.Tests.Support;

namespace Pccl.Tests.Master.Store;

/// <summary>The SQL stores against a real SQLite file and a real PostgreSQL 15.</summary>
[Collection(PostgresCollection.Name)]
public sealed class MasterStoreTests(PostgresFixture postgres) : IDisposable
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static readonly TimeSpan LongTtl = TimeSpan.FromSeconds(30);
    private readonly TempDirectory _files = new();

    public static TheoryData<string> Kinds => ["sqlite", "postgresql"];

    [Theory]
    [MemberData(nameof(Kinds))]
    public async Task AStoreIsCreatedOnFirstOpenAndKeepsEpochAndRevisionsAcrossReopening(string kind)
    {
        var url = await NewUrlAsync(kind);
        await using (var first = await OpenAsync(url))
        {
            var lease = await first.AcquireOrRenewAsync("a", "m1:7117", LongTtl, Ct);
            Assert.Equal((true, 1UL, "m1:7117"), (lease.Granted, lease.Epoch, lease.LeaderAddress));
            Assert.True(await first.RecordRevisionAsync(1, new GroupRevision(3, 42, new Dictionary<string, ulong> { ["w=x"] = 0xabc, ["b"] = 7 }), Ct));
            await first.ReleaseAsync("a", Ct);
        }

        await using var second = await OpenAsync(url);
        var revision = Assert.Single(await second.ReadRevisionsAsync(Ct));
        Assert.Equal((3U, 42UL), (revision.Group, revision.Revision));
        Assert.Equal(new Dictionary<string, ulong> { ["w=x"] = 0xabc, ["b"] = 7 }, revision.Hashes);
        Assert.Equal(2UL, (await second.AcquireOrRenewAsync("b", "m2:7117", LongTtl, Ct)).Epoch);
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public async Task AStoreWrittenByANewerSchemaIsRefusedNamingTheKey(string kind)
    {
        var url = await NewUrlAsync(kind);
        await using (var store = await OpenAsync(url))
        {
            await store.AcquireOrRenewAsync("a", "m1:7117", LongTtl, Ct);
        }

        await SetSchemaVersionAsync(kind, url, StoreSchema.CurrentVersion + 1);
        await using var newer = MasterStoreUrl.Create(url, null, TimeSpan.FromSeconds(5));
        var e = await Assert.ThrowsAsync<PcclException>(() => newer.OpenAsync(Ct));
        Assert.Equal(PcclErrorCode.InvalidConfiguration, e.Code);
        Assert.Contains("master.store", e.Message);
        Assert.Contains($"schema version {StoreSchema.CurrentVersion + 1}", e.Message);
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public async Task ALiveLeaseIsRenewedInItsTermAndALapsedOneIsTakenInTheNext(string kind)
    {
        var url = await NewUrlAsync(kind);
        await using var a = await OpenAsync(url);
        await using var b = await OpenAsync(url);
        var ttl = TimeSpan.FromMilliseconds(600);

        Assert.True((await a.AcquireOrRenewAsync("a", "m1:7117", ttl, Ct)).Granted);
        var refused = await b.AcquireOrRenewAsync("b", "m2:7117", ttl, Ct);
        Assert.Equal((false, 1UL, "m1:7117"), (refused.Granted, refused.Epoch, refused.LeaderAddress));
        Assert.Equal((true, 1UL), Held(await a.AcquireOrRenewAsync("a", "m1:7117", ttl, Ct)));

        await Task.Delay(ttl * 2, Ct);
        Assert.Equal((true, 2UL), Held(await b.AcquireOrRenewAsync("b", "m2:7117", ttl, Ct)));
        var late = await a.AcquireOrRenewAsync("a", "m1:7117", ttl, Ct);
        Assert.Equal((false, "m2:7117"), (late.Granted, late.LeaderAddress));
        Assert.False(await a.RecordRevisionAsync(1, new GroupRevision(0, 9, new Dictionary<string, ulong>()), Ct));
        Assert.Empty(await b.ReadRevisionsAsync(Ct));
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public async Task ARefusedAttemptSaysHowLongTheLeaseHasLeftAndAnAttemptJustAfterThatTakesIt(string kind)
    {
        var url = await NewUrlAsync(kind);
        await using var a = await OpenAsync(url);
        await using var b = await OpenAsync(url);
        var ttl = TimeSpan.FromMilliseconds(800);

        Assert.True((await a.AcquireOrRenewAsync("a", "m1:7117", ttl, Ct)).Granted);
        var refused = await b.AcquireOrRenewAsync("b", "m2:7117", ttl, Ct);
        var answered = Stopwatch.GetTimestamp();
        Assert.False(refused.Granted);
        Assert.InRange(refused.Remaining, TimeSpan.FromMilliseconds(1), ttl);

        // counted from the answer's arrival, which is after the store decided: the lease has lapsed there by then.
        // Counted on the Stopwatch, as LeaderLease counts it: Task.Delay runs on the coarse tick and may end a few ms early.
        await WaitUntilElapsedAsync(answered, refused.Remaining + TimeSpan.FromMilliseconds(1));
        var taken = await b.AcquireOrRenewAsync("b", "m2:7117", ttl, Ct);
        Assert.Equal((true, 2UL), Held(taken));
        var late = await a.AcquireOrRenewAsync("a", "m1:7117", ttl, Ct);
        Assert.Equal((false, "m2:7117"), (late.Granted, late.LeaderAddress));
        Assert.InRange(late.Remaining, TimeSpan.FromMilliseconds(1), ttl);
    }

    [Fact]
    public async Task AMasterPausedInsideALeaseTransactionNeitherHoldsTheRowNorFailsItsAttemptWhenItResumes()
    {
        var url = await NewUrlAsync("postgresql");
        // lease 400 ms: PostgreSQL ends a session idle in its transaction after 200 ms
        await using var a = MasterStoreUrl.Create(url, null, TimeSpan.FromMilliseconds(400));
        await using var b = MasterStoreUrl.Create(url, null, TimeSpan.FromMilliseconds(400));
        await a.OpenAsync(Ct);
        await b.OpenAsync(Ct);
        var resume = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var stalls = 0;
        ((SqlMasterStore)a).StallInTransaction = () => Interlocked.Increment(ref stalls) == 1 ? resume.Task : Task.CompletedTask;

        // a read the lease row FOR UPDATE and is paused before it commits
        var paused = a.AcquireOrRenewAsync("a", "m1:7117", LongTtl, Ct);
        while (Volatile.Read(ref stalls) == 0)
        {
            await Task.Delay(5, Ct);
        }

        // b is not held up by a's lock: the database ended a's session for idling, and its transaction with it
        var taken = await b.AcquireOrRenewAsync("b", "m2:7117", LongTtl, Ct);
        Assert.Equal((true, 1UL), Held(taken));
        Assert.False(paused.IsCompleted);

        // a resumes: its ended transaction wrote nothing, and it runs again, finding b's lease
        resume.SetResult();
        var late = await paused;
        Assert.Equal((false, 1UL, "m2:7117"), (late.Granted, late.Epoch, late.LeaderAddress));
        Assert.Equal(2, stalls);
    }

    [Fact]
    public async Task AMasterPausedInEveryTransactionGetsAnErrorSayingSoAndNamingTheLease()
    {
        var url = await NewUrlAsync("postgresql");
        await using var a = MasterStoreUrl.Create(url, null, TimeSpan.FromMilliseconds(400));
        await a.OpenAsync(Ct);
        var stalls = 0;
        ((SqlMasterStore)a).StallInTransaction = () =>
        {
            Interlocked.Increment(ref stalls);
            return Task.Delay(500, Ct);
        };

        var e = await Assert.ThrowsAsync<PcclException>(() => a.AcquireOrRenewAsync("a", "m1:7117", LongTtl, Ct));
        Assert.True(e.IsTransient);
        Assert.Contains("3 times in a row", e.Message);
        Assert.Contains("master.lease_ttl_ms", e.Message);
        Assert.Equal(3, stalls);
    }

    private static async Task WaitUntilElapsedAsync(long since, TimeSpan span)
    {
        while (Stopwatch.GetElapsedTime(since) < span)
        {
            await Task.Delay(span - Stopwatch.GetElapsedTime(since) + TimeSpan.FromMilliseconds(1), Ct);
        }
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public async Task UnderContentionFromTwoStoresExactlyOneHolderEverHoldsTheLease(string kind)
    {
        var url = await NewUrlAsync(kind);
        await using var a = await OpenAsync(url);
        await using var b = await OpenAsync(url);
        var outcomes = new List<(string Holder, LeaseOutcome Outcome)>();
        for (var round = 0; round < 40; round++)
        {
            var both = await Task.WhenAll(
                Task.Run(() => a.AcquireOrRenewAsync("a", "m1:7117", LongTtl, Ct)),
                Task.Run(() => b.AcquireOrRenewAsync("b", "m2:7117", LongTtl, Ct)));
            outcomes.Add(("a", both[0]));
            outcomes.Add(("b", both[1]));
            Assert.Single(both, o => o.Granted);
        }

        Assert.Single(outcomes.Where(o => o.Outcome.Granted).Select(o => o.Holder).Distinct());
        Assert.All(outcomes, o => Assert.Equal(1UL, o.Outcome.Epoch));
    }

    public void Dispose() => _files.Dispose();

    private static (bool, ulong) Held(LeaseOutcome outcome) => (outcome.Granted, outcome.Epoch);

    private async Task<string> NewUrlAsync(string kind) => kind == "sqlite"
        ? "sqlite:" + Path.Combine(_files.Path, Guid.NewGuid().ToString("N") + ".db")
        : await postgres.Server.CreateDatabaseAsync();

    private static async Task<IMasterStore> OpenAsync(string url)
    {
        var store = MasterStoreUrl.Create(url, null, TimeSpan.FromSeconds(5));
        await store.OpenAsync(Ct);
        return store;
    }

    private async Task SetSchemaVersionAsync(string kind, string url, int version)
    {
        var sql = $"UPDATE pccl_schema SET version = {version}";
        if (kind == "sqlite")
        {
            await using var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={url["sqlite:".Length..]};Pooling=false");
            await connection.OpenAsync(Ct);
            await using var command = connection.CreateCommand();
            command.CommandText = sql;
            await command.ExecuteNonQueryAsync(Ct);
        }
        else
        {
            await postgres.Server.ExecuteAsync(sql, url[(url.LastIndexOf('/') + 1)..]);
        }
    }
}
