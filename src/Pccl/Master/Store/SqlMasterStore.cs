using System.Data.Common;

namespace Pccl.Master.Store;

/// <summary>
/// The store on a SQL database (SQLite or PostgreSQL). Each call opens a pooled connection and runs one transaction
/// that locks the row or database it changes; the lease is read, decided (<see cref="LeaseRow.Attempt"/>) and written
/// in that transaction, on the database's clock, so two masters can never both hold it.
/// </summary>
internal abstract class SqlMasterStore : IMasterStore
{
    public abstract string Description { get; }

    public bool IsExclusive => false;

    /// <summary>
    /// The database's clock, whole milliseconds since 1970 rounded down, as a SQL expression. Never above the true time,
    /// so a refused attempt's remaining time is never short: an attempt once it has passed finds the lease lapsed.
    /// </summary>
    protected abstract string NowMsSql { get; }

    /// <summary>Appended to the lease's SELECT to lock the row until the transaction ends ("" where the transaction locks already).</summary>
    protected abstract string LockRowSql { get; }

    protected abstract DbConnection CreateConnection();

    /// <summary>Begins a transaction that keeps out every other writer (SQLite: BEGIN IMMEDIATE).</summary>
    protected abstract ValueTask<DbTransaction> BeginWriteAsync(DbConnection connection, CancellationToken ct);

    /// <summary>Serialises schema changes among masters starting at once, inside the transaction.</summary>
    protected virtual Task LockSchemaAsync(DbConnection connection, DbTransaction transaction, CancellationToken ct) => Task.CompletedTask;

    /// <summary>Words a failure to reach the database for the user; null leaves the exception as it is.</summary>
    protected abstract PcclException? Explain(Exception e);

    /// <summary>
    /// Whether the database ended the session because this process left its transaction idle too long (a pause of the
    /// process, or a loaded machine): the transaction rolled back, so it runs again, up to <see cref="IdleRetries"/> times.
    /// </summary>
    protected virtual bool EndedForIdling(Exception e) => false;

    /// <summary>Runs of a transaction after the first that the database ended for idling (<see cref="EndedForIdling"/>).</summary>
    protected const int IdleRetries = 2;

    /// <summary>Tests only: awaited inside every transaction before it commits, to stall the process as a pause would.</summary>
    internal Func<Task>? StallInTransaction { get; set; }

    public async Task OpenAsync(CancellationToken ct)
    {
        await InTransactionAsync(async (c, t) =>
        {
            await LockSchemaAsync(c, t, ct).ConfigureAwait(false);
            await ExecuteAsync(c, t, StoreSchema.CreateVersionTable, ct).ConfigureAwait(false);
            var found = await ScalarAsync(c, t, "SELECT MAX(version) FROM pccl_schema", ct).ConfigureAwait(false);
            var version = found is null or DBNull ? 0 : Convert.ToInt32(found, System.Globalization.CultureInfo.InvariantCulture);
            if (version > StoreSchema.CurrentVersion)
            {
                throw new PcclException(PcclErrorCode.InvalidConfiguration,
                    $"master.store {Description} has schema version {version}, written by a newer PCCL; this master knows versions up to " +
                    $"{StoreSchema.CurrentVersion}: run the newer release, or point master.store at another database");
            }

            for (var v = version; v < StoreSchema.CurrentVersion; v++)
            {
                foreach (var statement in StoreSchema.Migrations[v])
                {
                    await ExecuteAsync(c, t, statement, ct).ConfigureAwait(false);
                }
            }

            if (version < StoreSchema.CurrentVersion)
            {
                await ExecuteAsync(c, t, "DELETE FROM pccl_schema", ct).ConfigureAwait(false);
                await ExecuteAsync(c, t, $"INSERT INTO pccl_schema (version) VALUES ({StoreSchema.CurrentVersion})", ct).ConfigureAwait(false);
            }

            return 0;
        }, ct).ConfigureAwait(false);
    }

    public Task<LeaseOutcome> AcquireOrRenewAsync(string holder, string address, TimeSpan ttl, CancellationToken ct) =>
        InTransactionAsync(async (c, t) =>
        {
            var (row, now) = await ReadLeaseAsync(c, t, ct).ConfigureAwait(false);
            var next = row.Attempt(holder, address, now, (long)ttl.TotalMilliseconds);
            if (next != row)
            {
                await WriteLeaseAsync(c, t, next, ct).ConfigureAwait(false);
            }

            return next.OutcomeFor(holder, now);
        }, ct);

    public Task ReleaseAsync(string holder, CancellationToken ct) =>
        InTransactionAsync(async (c, t) =>
        {
            var (row, _) = await ReadLeaseAsync(c, t, ct).ConfigureAwait(false);
            if (row.Holder == holder)
            {
                await WriteLeaseAsync(c, t, row with { Holder = "", ExpiresMs = 0 }, ct).ConfigureAwait(false);
            }

            return 0;
        }, ct);

    public Task<IReadOnlyList<GroupRevision>> ReadRevisionsAsync(CancellationToken ct) =>
        InTransactionAsync<IReadOnlyList<GroupRevision>>(async (c, t) =>
        {
            var revisions = new List<GroupRevision>();
            await using var command = Command(c, t, "SELECT peer_group, revision, hashes FROM pccl_shared_state ORDER BY peer_group");
            await using var reader = await command.ExecuteReaderAsync(ct).ConfigureAwait(false);
            while (await reader.ReadAsync(ct).ConfigureAwait(false))
            {
                revisions.Add(new GroupRevision((uint)reader.GetInt64(0), (ulong)reader.GetInt64(1), GroupRevision.ParseHashes(reader.GetString(2))));
            }

            return revisions;
        }, ct);

    public Task<bool> RecordRevisionAsync(ulong epoch, GroupRevision revision, CancellationToken ct) =>
        InTransactionAsync(async (c, t) =>
        {
            var (lease, _) = await ReadLeaseAsync(c, t, ct).ConfigureAwait(false); // locks the lease row: no takeover in between
            if (lease.Epoch != epoch)
            {
                return false;
            }

            await using var command = Command(c, t,
                "INSERT INTO pccl_shared_state (peer_group, revision, hashes) VALUES (@peer_group, @revision, @hashes) " +
                "ON CONFLICT (peer_group) DO UPDATE SET revision = excluded.revision, hashes = excluded.hashes",
                ("peer_group", (long)revision.Group), ("revision", (long)revision.Revision), ("hashes", revision.HashesText));
            await command.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
            return true;
        }, ct);

    public abstract ValueTask DisposeAsync();

    private async Task<(LeaseRow Row, long NowMs)> ReadLeaseAsync(DbConnection c, DbTransaction t, CancellationToken ct)
    {
        await using var command = Command(c, t, $"SELECT epoch, holder, address, expires_ms, {NowMsSql} FROM pccl_leadership WHERE id = 1 {LockRowSql}");
        await using var reader = await command.ExecuteReaderAsync(ct).ConfigureAwait(false);
        if (!await reader.ReadAsync(ct).ConfigureAwait(false))
        {
            throw new PcclException(PcclErrorCode.InvalidState, $"master.store {Description} lacks its leadership row: the table pccl_leadership was changed by hand");
        }

        return (new LeaseRow((ulong)reader.GetInt64(0), reader.GetString(1), reader.GetString(2), reader.GetInt64(3)), reader.GetInt64(4));
    }

    private static async Task WriteLeaseAsync(DbConnection c, DbTransaction t, LeaseRow row, CancellationToken ct)
    {
        await using var command = Command(c, t,
            "UPDATE pccl_leadership SET epoch = @epoch, holder = @holder, address = @address, expires_ms = @expires WHERE id = 1",
            ("epoch", (long)row.Epoch), ("holder", row.Holder), ("address", row.Address), ("expires", row.ExpiresMs));
        await command.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
    }

    private async Task<T> InTransactionAsync<T>(Func<DbConnection, DbTransaction, Task<T>> work, CancellationToken ct)
    {
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                await using var connection = CreateConnection();
                await connection.OpenAsync(ct).ConfigureAwait(false);
                await using var transaction = await BeginWriteAsync(connection, ct).ConfigureAwait(false);
                var result = await work(connection, transaction).ConfigureAwait(false);
                if (StallInTransaction is { } stall)
                {
                    await stall().ConfigureAwait(false);
                }

                await transaction.CommitAsync(ct).ConfigureAwait(false);
                return result;
            }
            catch (Exception e) when (attempt < IdleRetries && EndedForIdling(e))
            {
                // rolled back: nothing was written, and the next attempt reads everything again
            }
            catch (Exception e) when (e is not (PcclException or OperationCanceledException) && Explain(e) is { } explained)
            {
                throw explained;
            }
        }
    }

    private static async Task ExecuteAsync(DbConnection c, DbTransaction t, string sql, CancellationToken ct)
    {
        await using var command = Command(c, t, sql);
        await command.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
    }

    private static async Task<object?> ScalarAsync(DbConnection c, DbTransaction t, string sql, CancellationToken ct)
    {
        await using var command = Command(c, t, sql);
        return await command.ExecuteScalarAsync(ct).ConfigureAwait(false);
    }

    private static DbCommand Command(DbConnection c, DbTransaction t, string sql, params (string Name, object Value)[] parameters)
    {
        var command = c.CreateCommand();
        command.Transaction = t;
        command.CommandText = sql;
        foreach (var (name, value) in parameters)
        {
            var parameter = command.CreateParameter();
            parameter.ParameterName = "@" + name;
            parameter.Value = value;
            command.Parameters.Add(parameter);
        }

        return command;
    }
}
