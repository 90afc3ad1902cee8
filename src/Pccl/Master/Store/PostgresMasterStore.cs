using System.Data.Common;
using Npgsql;

namespace Pccl.Master.Store;

/// <summary>
/// master.store <c>postgresql://user[:password]@host[:port]/database</c>: one database that masters on several
/// machines share. Lease decisions read PostgreSQL's clock (clock_timestamp()), never a master's.
/// </summary>
internal sealed class PostgresMasterStore : SqlMasterStore
{
    /// <summary>An arbitrary constant: the advisory lock that serialises schema changes.</summary>
    private const long SchemaLockKey = 7117_0001;

    /// <summary>The SQLSTATE of a session PostgreSQL ended for idling in its transaction (idle_in_transaction_session_timeout).</summary>
    private const string EndedIdleInTransaction = "25P03";

    private readonly NpgsqlDataSource _source;

    public PostgresMasterStore(string host, int port, string database, string user, string? password, TimeSpan timeout)
    {
        Description = $"postgresql://{user}@{host}:{port}/{database}";
        var builder = new NpgsqlConnectionStringBuilder
        {
            Host = host,
            Port = port,
            Database = database,
            Username = user,
            Password = password,
            Timeout = Math.Max(1, (int)Math.Ceiling(timeout.TotalSeconds)),
            CommandTimeout = Math.Max(1, (int)Math.Ceiling(timeout.TotalSeconds)),
            CancellationTimeout = -1, // a cancelled call breaks its connection at once instead of waiting for the server
            KeepAlive = 1,
            // A master paused (SIGSTOP, a frozen VM) inside a lease transaction would hold the lease row's lock for as long
            // as it stays paused, and no standby could take over: PostgreSQL ends such a session, and its transaction,
            // once it has been idle for half the lease, as long as an attempt may take.
            Options = $"-c idle_in_transaction_session_timeout={Math.Max(1, (int)(timeout.TotalMilliseconds / 2))}",
        };
        _source = new NpgsqlSlimDataSourceBuilder(builder.ConnectionString).Build();
    }

    public override string Description { get; }

    protected override string NowMsSql => "FLOOR(EXTRACT(EPOCH FROM clock_timestamp()) * 1000)::BIGINT";

    protected override string LockRowSql => "FOR UPDATE";

    protected override DbConnection CreateConnection() => _source.CreateConnection();

    protected override async ValueTask<DbTransaction> BeginWriteAsync(DbConnection connection, CancellationToken ct) =>
        await connection.BeginTransactionAsync(ct).ConfigureAwait(false);

    protected override async Task LockSchemaAsync(DbConnection connection, DbTransaction transaction, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand($"SELECT pg_advisory_xact_lock({SchemaLockKey})", (NpgsqlConnection)connection, (NpgsqlTransaction)transaction);
        await command.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
    }

    protected override PcclException? Explain(Exception e) => e switch
    {
        PostgresException { SqlState: "28P01" or "28000" } pg => new PcclException(PcclErrorCode.AuthenticationFailed,
            $"master.store {Description}: PostgreSQL refused the credentials ({pg.MessageText}); check the user in master.store and " +
            "the password (in the URL or PCCL_MASTER_STORE_PASSWORD)", false, e),
        PostgresException { SqlState: EndedIdleInTransaction } => new PcclException(PcclErrorCode.ConnectionRefused,
            $"master.store {Description} ended this master's transactions {IdleRetries + 1} times in a row for sitting idle longer than half " +
            "master.lease_ttl_ms: this process is being paused or starved of CPU; give it a core, or raise master.lease_ttl_ms", isTransient: true, e),
        PostgresException { SqlState: "3D000" } pg => new PcclException(PcclErrorCode.InvalidConfiguration,
            $"master.store {Description}: {pg.MessageText}; create the database first (createdb) or name an existing one", false, e),
        NpgsqlException npgsql => new PcclException(PcclErrorCode.ConnectionRefused,
            $"master.store {Description} is unreachable: {npgsql.Message}", isTransient: true, e),
        _ => null,
    };

    protected override bool EndedForIdling(Exception e) => e is PostgresException { SqlState: EndedIdleInTransaction };

    public override ValueTask DisposeAsync() => _source.DisposeAsync();
}
