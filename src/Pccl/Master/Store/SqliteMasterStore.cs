using System.Data.Common;
using Microsoft.Data.Sqlite;

namespace Pccl.Master.Store;

/// <summary>
/// master.store <c>sqlite:PATH</c>: a file beside the master, created on first use. Masters sharing it must run on one
/// machine (SQLite's locks do not hold across network file systems), where they share the clock the lease is read on.
/// </summary>
internal sealed class SqliteMasterStore(string path) : SqlMasterStore
{
    private readonly string _connectionString = new SqliteConnectionStringBuilder
    {
        DataSource = path,
        Mode = SqliteOpenMode.ReadWriteCreate,
        Pooling = false,
        DefaultTimeout = 5,
    }.ToString();

    public override string Description => "sqlite:" + path;

    // 'now' is whole milliseconds inside SQLite; going through julianday's double leaves it up to ~0.05 ms off either
    // way, so it is rounded back rather than truncated (truncating turned 431 into 430).
    protected override string NowMsSql => "CAST(ROUND((julianday('now') - 2440587.5) * 86400000.0) AS INTEGER)";

    protected override string LockRowSql => "";

    protected override DbConnection CreateConnection() => new SqliteConnection(_connectionString);

    protected override ValueTask<DbTransaction> BeginWriteAsync(DbConnection connection, CancellationToken ct) =>
        ValueTask.FromResult<DbTransaction>(((SqliteConnection)connection).BeginTransaction(deferred: false)); // BEGIN IMMEDIATE

    public override ValueTask DisposeAsync() => ValueTask.CompletedTask;

    protected override PcclException? Explain(Exception e) => e is SqliteException sqlite
        ? new PcclException(PcclErrorCode.InvalidConfiguration,
            $"master.store {Description}: {sqlite.Message.TrimEnd('.')}; check that the directory exists and this process may write the file",
            isTransient: sqlite.SqliteErrorCode is 5 or 6, sqlite) // SQLITE_BUSY, SQLITE_LOCKED
        : null;
}
